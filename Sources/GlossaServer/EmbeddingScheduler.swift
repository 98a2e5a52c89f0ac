// One queue in front of the encoder for every route: texts from concurrent requests are packed into shared
// forward passes by a token budget (micro-batching), and two lanes keep interactive work (searches, small
// embedding requests) ahead of bulk work (document batches, large embedding requests). Bulk jobs are cut
// into slices of at most 512 tokens a pass (128 while interactive traffic is about), so a query waits for at
// most one short pass. Jobs whose caller gave up (cancelled task) or whose deadline passed are dropped unrun.
import Foundation
import GlossaEncoder

/// Which lane a job waits in.
enum Lane: Sendable {
    case interactive, bulk
}

/// How the scheduler batches; the CLI flags `--batching`, `--lanes`, `--batch-wait-ms`, `--max-queued-inputs`.
struct SchedulerSettings: Sendable {
    /// Pack sequences of several jobs into one forward pass (off: one job per pass, in arrival order).
    var batching = true
    /// Interactive jobs go first (off: one queue in arrival order, bulk passes never shortened).
    var lanes = true
    /// With batching, how long the oldest job may wait for others to fill a pass (from its arrival).
    var batchWait: Duration = .milliseconds(2)
    /// Tokens of one forward pass (the encoder's own budget).
    var tokenBudget = 4096
    /// With lanes, the most tokens of bulk work in one pass (at least one sequence): an interactive job that
    /// arrives during a bulk pass waits for at most this much work, instead of a whole token budget.
    var bulkTokensPerPass = 512
    /// Tokens of a bulk pass while interactive traffic is about (at least one sequence).
    var bulkTokensWhileInteractive = 128
    /// How long after the last interactive job bulk passes stay short.
    var interactiveWindow: Duration = .milliseconds(500)
    /// Sequences queued at most, over both lanes; a job that would pass it is refused (429).
    var maxQueuedInputs = 16_384
}

/// Where one job's time went, for the latency histograms.
struct EncodeTimings: Sendable {
    var queue: Duration = .zero
    var encode: Duration = .zero
}

/// Thread safety: `submit` from any thread or task; one worker thread runs the forward passes.
final class EmbeddingScheduler: @unchecked Sendable {
    let settings: SchedulerSettings
    private let encoder: Encoder
    private let metrics: ServerMetrics?
    private let condition = NSCondition()
    // Guarded by `condition`.
    private var queues: [[Job]] = [[], []]
    private var queuedInputs = 0
    private var lastInteractive: ContinuousClock.Instant?
    private var stopping = false
    private var finished = false
    private var worker: Thread?
    private let clock = ContinuousClock()

    init(encoder: Encoder, settings: SchedulerSettings, metrics: ServerMetrics?) {
        self.encoder = encoder
        self.settings = settings
        self.metrics = metrics
    }

    /// Starts the worker thread (once).
    func start() {
        condition.lock()
        defer { condition.unlock() }
        guard worker == nil else { return }
        let thread = Thread { [self] in run() }
        thread.name = "glossa-encoder"
        worker = thread
        thread.start()
    }

    /// Lets the queued jobs finish, refuses new ones, and ends the worker thread.
    func stop() {
        condition.lock()
        stopping = true
        condition.broadcast()
        condition.unlock()
    }

    /// Sequences waiting or being encoded.
    var depth: Int {
        condition.lock()
        defer { condition.unlock() }
        return queuedInputs
    }

    // MARK: - Submitting

    /// Embeddings of `sequences` (model ids, `<s>` … `</s>`), in order.
    /// - Throws: `ServerError.queueFull` when the queue is full, `.deadlineExceeded` when the work did not start
    ///   by `deadline`, `.unavailable` while stopping, `CancellationError` when the calling task is cancelled.
    func embed(_ sequences: [[Int32]], lane: Lane, deadline: ContinuousClock.Instant) async throws
        -> (vectors: [[Float]], timings: EncodeTimings)
    {
        guard !sequences.isEmpty else { return ([], EncodeTimings()) }
        let job = Job(sequences: sequences, lane: lane, enqueued: clock.now, deadline: deadline)
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                job.completion = { result in continuation.resume(with: result.map { (vectors: $0.0, timings: $0.1) }) }
                if let error = enqueue(job) { job.finish(.failure(error)) }
            }
        } onCancel: {
            condition.lock()
            job.cancelled = true
            condition.broadcast()
            condition.unlock()
        }
    }

    /// `embed` for synchronous callers (the document write path runs on its own serial queue).
    func embedBlocking(_ sequences: [[Int32]], lane: Lane, deadline: ContinuousClock.Instant) throws -> [[Float]] {
        guard !sequences.isEmpty else { return [] }
        let job = Job(sequences: sequences, lane: lane, enqueued: clock.now, deadline: deadline)
        let done = DispatchSemaphore(value: 0)
        let box = ResultBox()
        job.completion = { result in
            box.result = result
            done.signal()
        }
        if let error = enqueue(job) { job.finish(.failure(error)) }
        done.wait()
        // The completion always runs before the semaphore is signalled.
        return try box.result?.get().0 ?? []
    }

    /// Queues `job`, or returns why it cannot be.
    private func enqueue(_ job: Job) -> (any Error)? {
        condition.lock()
        defer { condition.unlock() }
        if stopping { return ServerError.unavailable("The server is shutting down; no new work is accepted.") }
        if job.cancelled { return CancellationError() }
        // A job larger than the whole queue would never fit: it is admitted when the queue is empty.
        if queuedInputs > 0, queuedInputs + job.sequences.count > settings.maxQueuedInputs {
            metrics?.rejectedJobs.increment()
            return ServerError.queueFull(retryAfter: 1)
        }
        let lane = settings.lanes && job.lane == .interactive ? 0 : 1
        if lane == 0 { lastInteractive = clock.now }
        queues[lane].append(job)
        queuedInputs += job.sequences.count
        metrics?.queueDepth.record(Int64(queuedInputs))
        condition.broadcast()
        return nil
    }

    // MARK: - The worker

    /// One forward pass's worth of work: which job each sequence came from.
    private struct Pass {
        var sequences: [[Int32]] = []
        var owners: [(job: Job, index: Int)] = []
        var tokens = 0
    }

    private func run() {
        while let pass = nextPass() {
            let started = clock.now
            let vectors: Result<[[Float]], any Error> = Result { try encoder.embed(tokenIDs: pass.sequences) }
            let elapsed = clock.now - started
            metrics?.recordPass(inputs: pass.sequences.count, tokens: pass.tokens, duration: elapsed)
            deliver(pass, vectors, at: clock.now)
        }
        condition.lock()
        finished = true
        condition.broadcast()
        condition.unlock()
    }

    /// Blocks until there is work; nil once stopping with nothing left.
    private func nextPass() -> Pass? {
        condition.lock()
        while true {
            let dropped = dropAbandoned()
            if !dropped.isEmpty {
                condition.unlock()
                for (job, error) in dropped { job.finish(.failure(error)) }
                condition.lock()
                continue
            }
            guard let oldest = (queues[0].first ?? queues[1].first) else {
                if stopping {
                    condition.unlock()
                    return nil
                }
                condition.wait()
                continue
            }
            // Micro-batching: give the oldest job until `batchWait` after its arrival for others to join,
            // unless a full pass is already waiting. Jobs that waited through the previous pass go at once.
            if settings.batching, !stopping, pendingTokens() < settings.tokenBudget {
                let ready = oldest.enqueued + settings.batchWait
                if clock.now < ready {
                    let date = Date(timeIntervalSinceNow: Self.seconds(ready - clock.now))
                    _ = condition.wait(until: date)
                    continue
                }
            }
            let pass = settings.batching ? packPass() : wholeJobPass()
            condition.unlock()
            return pass
        }
    }

    /// Removes cancelled and expired jobs that have not started (must hold the lock).
    private func dropAbandoned() -> [(Job, any Error)] {
        let now = clock.now
        var dropped: [(Job, any Error)] = []
        for lane in queues.indices {
            queues[lane].removeAll { job in
                guard job.taken == 0 else { return false }
                if job.cancelled {
                    dropped.append((job, CancellationError()))
                } else if now > job.deadline {
                    let seconds = Self.seconds(job.deadline - job.enqueued)
                    dropped.append((job, ServerError.deadlineExceeded(seconds: seconds)))
                } else {
                    return false
                }
                queuedInputs -= job.sequences.count
                return true
            }
        }
        if !dropped.isEmpty { metrics?.droppedJobs.increment(by: Int64(dropped.count)) }
        return dropped
    }

    /// Tokens not yet taken into a pass (must hold the lock).
    private func pendingTokens() -> Int {
        var total = 0
        for lane in queues {
            for job in lane {
                for index in job.taken..<job.sequences.count {
                    total += job.sequences[index].count
                    if total >= settings.tokenBudget { return total }
                }
            }
        }
        return total
    }

    /// Fills a pass up to the token budget: interactive sequences first, then bulk ones, whose share is
    /// cut short while interactive traffic is about (must hold the lock).
    private func packPass() -> Pass {
        var pass = Pass()
        let now = clock.now
        let interactiveNearby = settings.lanes
            && (!queues[0].isEmpty || lastInteractive.map { now - $0 < settings.interactiveWindow } ?? false)
        // Interactive work keeps its lane warm while it is being served, not only when it arrives: a query that
        // waited long must not find the window closed and a full bulk pass ahead of the next one.
        if !queues[0].isEmpty { lastInteractive = now }
        let bulkShare = interactiveNearby ? settings.bulkTokensWhileInteractive : settings.bulkTokensPerPass
        for lane in queues.indices {
            let budget = lane == 1 && settings.lanes
                ? min(settings.tokenBudget, pass.tokens + bulkShare) : settings.tokenBudget
            for job in queues[lane] {
                while job.taken < job.sequences.count {
                    let length = job.sequences[job.taken].count
                    // Always at least one sequence per pass; otherwise stop at the budget.
                    if !pass.sequences.isEmpty, pass.tokens + length > budget { return started(pass, now) }
                    pass.sequences.append(job.sequences[job.taken])
                    pass.owners.append((job, job.taken))
                    pass.tokens += length
                    job.taken += 1
                }
            }
        }
        return started(pass, now)
    }

    /// Without batching: the first job, whole (must hold the lock).
    private func wholeJobPass() -> Pass {
        var pass = Pass()
        guard let job = queues[0].first(where: { $0.taken == 0 }) ?? queues[1].first(where: { $0.taken == 0 }) else {
            return pass
        }
        for index in job.sequences.indices {
            pass.sequences.append(job.sequences[index])
            pass.owners.append((job, index))
            pass.tokens += job.sequences[index].count
        }
        job.taken = job.sequences.count
        return started(pass, clock.now)
    }

    private func started(_ pass: Pass, _ now: ContinuousClock.Instant) -> Pass {
        for (job, _) in pass.owners where job.firstStarted == nil { job.firstStarted = now }
        return pass
    }

    /// Hands each vector to its job; finished jobs leave the queue and are resumed outside the lock.
    private func deliver(_ pass: Pass, _ result: Result<[[Float]], any Error>, at now: ContinuousClock.Instant) {
        var completed: [(Job, Result<([[Float]], EncodeTimings), any Error>)] = []
        condition.lock()
        if settings.lanes, pass.owners.contains(where: { $0.job.lane == .interactive }) { lastInteractive = now }
        for (slot, owner) in pass.owners.enumerated() {
            let job = owner.job
            switch result {
            case .success(let vectors): job.vectors[owner.index] = vectors[slot]
            case .failure(let error): job.failure = job.failure ?? error
            }
            job.done += 1
            if job.done == job.sequences.count {
                let timings = EncodeTimings(queue: (job.firstStarted ?? now) - job.enqueued,
                                            encode: now - (job.firstStarted ?? now))
                completed.append((job, job.failure.map { .failure($0) } ?? .success((job.vectors, timings))))
            }
        }
        let finishedJobs = Set(completed.map { ObjectIdentifier($0.0) })
        for lane in queues.indices { queues[lane].removeAll { finishedJobs.contains(ObjectIdentifier($0)) } }
        queuedInputs -= pass.sequences.count
        metrics?.queueDepth.record(Int64(queuedInputs))
        condition.unlock()
        for (job, outcome) in completed { job.finish(outcome) }
    }

    static func seconds(_ duration: Duration) -> Double {
        let parts = duration.components
        return Double(parts.seconds) + Double(parts.attoseconds) * 1e-18
    }

    // MARK: - Jobs

    private final class Job: @unchecked Sendable {
        let sequences: [[Int32]]
        let lane: Lane
        let enqueued: ContinuousClock.Instant
        let deadline: ContinuousClock.Instant
        // Guarded by the scheduler's lock.
        var taken = 0
        var done = 0
        var cancelled = false
        var firstStarted: ContinuousClock.Instant?
        var vectors: [[Float]]
        var failure: (any Error)?
        /// Set once before the job is queued; called exactly once.
        var completion: ((Result<([[Float]], EncodeTimings), any Error>) -> Void)?

        init(sequences: [[Int32]], lane: Lane, enqueued: ContinuousClock.Instant, deadline: ContinuousClock.Instant) {
            self.sequences = sequences
            self.lane = lane
            self.enqueued = enqueued
            self.deadline = deadline
            vectors = Array(repeating: [], count: sequences.count)
        }

        func finish(_ result: Result<([[Float]], EncodeTimings), any Error>) {
            let completion = self.completion
            self.completion = nil
            completion?(result)
        }
    }

    private final class ResultBox: @unchecked Sendable {
        var result: Result<([[Float]], EncodeTimings), any Error>?
    }
}
