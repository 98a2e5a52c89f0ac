// A fixed team of threads that run one forward pass together. A short query's forward pass has about 70
// phases (split products, attention, LayerNorms) of some 50–200 µs each; handing each phase to
// DispatchQueue.concurrentPerform wakes a sleeping worker every time, which on a virtual machine costs tens
// of microseconds per phase. The team instead wakes its helpers once per pass and then meets at a spinning
// barrier between phases, which costs well under a microsecond when every member is running.
import Foundation
import Synchronization

/// One member's view of a running team: which share of each phase is its own, and the barrier.
struct TeamMember: Sendable {
    /// This member's index, 0 (the calling thread) ..< count.
    let index: Int
    /// The number of members running the body.
    let count: Int
    /// The team thread this member runs on (0 ..< the team's size): its index, or for a solo member the
    /// index of the team member that runs it. Per-thread state (oneDNN's lanes) is chosen by it.
    let lane: Int
    fileprivate let barrierState: SpinBarrier?

    fileprivate init(index: Int, count: Int, lane: Int? = nil, barrierState: SpinBarrier?) {
        self.index = index
        self.count = count
        self.lane = lane ?? index
        self.barrierState = barrierState
    }

    /// A team of one: the body runs on the calling thread and `barrier()` returns at once.
    static let solo = TeamMember(index: 0, count: 1, barrierState: nil)

    /// A team of one run by this member's thread, on its own (one group of a split batch).
    var alone: TeamMember { TeamMember(index: 0, count: 1, lane: lane, barrierState: nil) }

    /// Waits until every member of the team has called `barrier()` the same number of times; writes
    /// made before it by any member are visible to every member after it.
    func barrier() { barrierState?.wait() }

    /// This member's share of `0..<total` items: a contiguous range, the ranges in member order.
    func share(of total: Int) -> Range<Int> {
        let per = (total + count - 1) / count
        return min(total, index * per)..<min(total, (index + 1) * per)
    }
}

/// Threads that run a body together (`run`), the caller being member 0 and `size - 1` helper threads the rest.
///
/// Not reentrant: one `run` at a time (the Transformer's lock guarantees it). Helpers sleep on a
/// semaphore between runs and use no CPU then; they end when the team is released.
final class WorkerTeam: Sendable {
    private let state: TeamState
    var size: Int { state.size }

    init(size: Int) {
        state = TeamState(size: max(1, size))
        for helper in 1..<state.size {
            // The thread holds the state, not the team, so that releasing the team can stop it.
            let state = self.state
            let thread = Thread { state.helperLoop(index: helper) }
            thread.name = "glossa-encoder-\(helper)"
            thread.start()
        }
    }

    deinit { state.stop() }

    /// Runs `body` on every member at once and returns when all have returned.
    func run(_ body: @escaping @Sendable (TeamMember) -> Void) {
        guard size > 1 else {
            body(.solo)
            return
        }
        state.run(body)
    }
}

/// What the team's threads share: the barrier, one wake-up semaphore per helper, and the current body.
private final class TeamState: @unchecked Sendable {
    let size: Int
    let barrier: SpinBarrier
    private let wake: [DispatchSemaphore]
    private let finished = DispatchSemaphore(value: 0)
    /// The body of the current run (nil: stop). Written before the helpers are woken, read by them after
    /// (the semaphores order the accesses).
    private var body: (@Sendable (TeamMember) -> Void)?

    init(size: Int) {
        self.size = size
        barrier = SpinBarrier(count: size)
        wake = (1..<size).map { _ in DispatchSemaphore(value: 0) }
    }

    func run(_ body: @escaping @Sendable (TeamMember) -> Void) {
        self.body = body
        for semaphore in wake { semaphore.signal() }
        body(TeamMember(index: 0, count: size, barrierState: barrier))
        for _ in 1..<size { finished.wait() }
        // Drop the body now: it captures the Transformer, which owns the team, and keeping it would be a
        // cycle that never frees the weights, the workspaces or these threads.
        self.body = nil
    }

    /// Ends the helpers: woken with no body, each returns from its loop.
    func stop() {
        body = nil
        for semaphore in wake { semaphore.signal() }
    }

    func helperLoop(index: Int) {
        let member = TeamMember(index: index, count: size, barrierState: barrier)
        while true {
            wake[index - 1].wait()
            do {
                guard let body else { return }
                body(member)
            }
            // The body (and the Transformer it captures) is let go above, before `run` may return: otherwise
            // a released encoder could outlive its last call on this thread.
            finished.signal()
        }
    }
}

/// A reusable sense-counting barrier that spins, then yields the core if a member is slow to arrive
/// (another process may hold the core on a shared machine).
final class SpinBarrier: Sendable {
    private let count: Int
    private let arrived = Atomic<Int>(0)
    private let generation = Atomic<Int>(0)

    init(count: Int) { self.count = count }

    func wait() {
        let current = generation.load(ordering: .acquiring)
        if arrived.wrappingAdd(1, ordering: .acquiringAndReleasing).newValue == count {
            arrived.store(0, ordering: .relaxed)
            generation.wrappingAdd(1, ordering: .releasing)
            return
        }
        var spins = 0
        while generation.load(ordering: .acquiring) == current {
            spins += 1
            // About 50 µs of spinning covers an uneven phase; past that the other member is likely off-core.
            if spins > 50_000 { sched_yield() }
        }
    }
}
