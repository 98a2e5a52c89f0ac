// The Prometheus metrics of one server (GET /metrics). Its own registry, not swift-metrics' global
// bootstrap, so that several servers in one process (the tests) keep separate counts.
import Foundation
import Prometheus

/// Thread safety: every metric is safe to update from any thread.
final class ServerMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    let queueDepth: Gauge
    let encodedTokens: Counter
    let rejectedJobs: Counter
    let droppedJobs: Counter
    private let batchInputs: ValueHistogram
    private let batchTokens: ValueHistogram
    private let passDuration: DurationHistogram

    static let latencyBuckets: [Duration] = [
        .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10),
        .milliseconds(20), .milliseconds(50), .milliseconds(100), .milliseconds(200), .milliseconds(500),
        .seconds(1), .seconds(2), .seconds(5), .seconds(10), .seconds(30),
    ]

    init() {
        queueDepth = registry.makeGauge(descriptor: Self.name("encoder_queue", "inputs",
                                                               "Sequences waiting for or in a forward pass."))
        encodedTokens = registry.makeCounter(descriptor: Self.name("encoded", "tokens_total",
                                                                   "Tokens through the encoder."))
        rejectedJobs = registry.makeCounter(descriptor: Self.name("encoder_rejected", "jobs_total",
                                                                  "Jobs refused with 429 because the queue was full."))
        droppedJobs = registry.makeCounter(descriptor: Self.name("encoder_dropped", "jobs_total",
                                                                 "Jobs dropped unrun: caller gone or deadline passed."))
        batchInputs = registry.makeValueHistogram(
            descriptor: Self.name("batch", "inputs", "Sequences per forward pass."),
            buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512])
        batchTokens = registry.makeValueHistogram(
            descriptor: Self.name("batch", "tokens", "Tokens per forward pass."),
            buckets: [16, 32, 64, 128, 256, 512, 1024, 2048, 4096])
        passDuration = registry.makeDurationHistogram(
            descriptor: Self.name("forward_pass", "seconds", "Duration of one forward pass."),
            buckets: Self.latencyBuckets)
    }

    private static func name(_ metric: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "glossa", metricName: metric, unitName: unit, helpText: help)
    }

    func recordPass(inputs: Int, tokens: Int, duration: Duration) {
        batchInputs.record(Double(inputs))
        batchTokens.record(Double(tokens))
        passDuration.record(duration)
        encodedTokens.increment(by: Int64(tokens))
    }

    /// One finished request: counted by route, method and status; its latency by route.
    func recordRequest(route: String, method: String, status: Int, duration: Duration) {
        registry.makeCounter(
            descriptor: Self.name("http_requests", "total", "HTTP requests by route, method and status."),
            labels: [("route", route), ("method", method), ("status", String(status))]
        ).increment()
        registry.makeDurationHistogram(
            descriptor: Self.name("http_request_duration", "seconds", "Request latency by route."),
            labels: [("route", route)], buckets: Self.latencyBuckets
        ).record(duration)
    }

    /// Time spent in one stage of a request: `queue`, `tokenize`, `encode`, `search`, `store`.
    func recordStage(_ stage: String, _ duration: Duration) {
        registry.makeDurationHistogram(
            descriptor: Self.name("stage_duration", "seconds",
                                  "Time per request stage: queue, tokenize, encode, search, store."),
            labels: [("stage", stage)], buckets: Self.latencyBuckets
        ).record(duration)
    }

    /// Documents stored in a served collection.
    func setDocuments(collection: String, count: Int) {
        registry.makeGauge(
            descriptor: Self.name("documents", "stored", "Documents stored per served collection."),
            labels: [("collection", collection)]
        ).set(Double(count))
    }

    func counter(_ metric: String, _ help: String) -> Counter {
        registry.makeCounter(descriptor: Self.name(metric, "total", help))
    }

    /// The Prometheus text exposition.
    func exposition() -> String { registry.emitToString() }
}
