// The scheduler in front of the encoder, in process with the real model: concurrent jobs packed into shared
// passes give exactly the vectors each would get alone, bulk jobs are sliced and finish in order, and the
// lanes put an interactive job ahead of queued bulk work. Also the pure helpers (names, key comparison).
import Foundation
import GlossaEncoder
@testable import GlossaServer
import GlossaTestSupport
import Testing

@Suite("server scheduler and helpers")
struct SchedulerTests {
    static func sequences(_ encoder: Encoder, _ texts: [String]) throws -> [[Int32]] {
        try texts.map { try encoder.tokenizer.encode($0, kind: .query) }
    }

    @Test("jobs packed into shared forward passes equal one-at-a-time encoding", .enabled(if: TestLocations.modelTestsEnabled))
    func batchedEqualsAlone() async throws {
        let encoder = try Encoder(modelFolder: TestLocations.modelFolder.path)
        let metrics = ServerMetrics()
        let scheduler = EmbeddingScheduler(encoder: encoder, settings: SchedulerSettings(), metrics: metrics)
        scheduler.start()
        defer { scheduler.stop() }
        let texts = (0..<48).map { "Frage Nummer \($0): " + String(repeating: "warum ", count: $0 % 7) }
        let inputs = try Self.sequences(encoder, texts)
        let alone = try inputs.map { try encoder.embed(tokenIDs: [$0])[0] }
        let results = try await withThrowingTaskGroup(of: (Int, [[Float]]).self) { group in
            for (index, input) in inputs.enumerated() {
                group.addTask {
                    (index, try await scheduler.embed([input], lane: index % 3 == 0 ? .bulk : .interactive,
                                                      deadline: .now + .seconds(60)).vectors)
                }
            }
            return try await group.reduce(into: [Int: [[Float]]]()) { $0[$1.0] = $1.1 }
        }
        for index in inputs.indices {
            let got = try #require(results[index]?.first)
            #expect(Numeric.maxAbsDiff(got, alone[index]) <= 1e-6, "text \(index)")
        }
        // 48 concurrent jobs took fewer than 48 passes.
        let exposition = metrics.exposition()
        let passes = exposition.split(separator: "\n").first { $0.hasPrefix("glossa_batch_inputs_count ") }
        let count = passes.flatMap { Double($0.split(separator: " ")[1]) } ?? 48
        #expect(count < 48, "\(passes ?? "no count")")
        #expect(scheduler.depth == 0)
    }

    @Test("a large bulk job is sliced across passes and keeps its order; an interactive job overtakes it",
          .enabled(if: TestLocations.modelTestsEnabled))
    func lanesAndSlices() async throws {
        let encoder = try Encoder(modelFolder: TestLocations.modelFolder.path)
        var settings = SchedulerSettings()
        settings.tokenBudget = 512
        let scheduler = EmbeddingScheduler(encoder: encoder, settings: settings, metrics: nil)
        scheduler.start()
        defer { scheduler.stop() }
        let passage = String(repeating: "Der Rhein fließt von den Alpen bis zur Nordsee. ", count: 6)
        let bulkInputs = try Self.sequences(encoder, Array(repeating: passage, count: 40))
        let query = try Self.sequences(encoder, ["Wohin fließt der Rhein?"])
        let clock = ContinuousClock()
        async let bulk = scheduler.embed(bulkInputs, lane: .bulk, deadline: .now + .seconds(120))
        try await Task.sleep(for: .milliseconds(30))
        let queryStart = clock.now
        let interactive = try await scheduler.embed(query, lane: .interactive, deadline: .now + .seconds(60))
        let queryDone = clock.now
        let bulkResult = try await bulk
        let bulkDone = clock.now
        #expect(queryDone < bulkDone, "the query waited for the whole bulk job")
        #expect(interactive.timings.queue < (bulkDone - queryStart))
        let alone = try encoder.embed(tokenIDs: [bulkInputs[0]])[0]
        #expect(bulkResult.vectors.count == 40)
        for vector in bulkResult.vectors { #expect(Numeric.maxAbsDiff(vector, alone) <= 1e-6) }
        #expect(Numeric.maxAbsDiff(interactive.vectors[0], try encoder.embed(tokenIDs: query)[0]) <= 1e-6)
    }

    @Test("collection names: only A-Z a-z 0-9 . _ - up to 128, no leading dot",
          arguments: [("docs", true), ("my-collection_2.v1", true), ("", false), (".", false), ("..", false),
                      ("../x", false), ("a/b", false), (".hidden", false), ("nul\u{0}", false), ("ünï", false),
                      (String(repeating: "a", count: 128), true), (String(repeating: "a", count: 129), false)])
    func names(_ name: String, _ valid: Bool) {
        #expect(CollectionRegistry.isValidName(name) == valid)
    }

    @Test("key comparison is exact on every length")
    func keys() {
        let key = Array("secret-key".utf8)
        #expect(Secrets.constantTimeEqual(key, key))
        for other in ["", "secret-ke", "secret-key!", "Secret-key", "secret-kez"] {
            #expect(!Secrets.constantTimeEqual(Array(other.utf8), key), "\(other)")
        }
    }
}
