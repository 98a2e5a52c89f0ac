// The worker team that runs every forward pass: every member runs, the shares tile the work, the barrier
// orders writes between phases, and an encoder's team lets the encoder go when it is released.
import Foundation
import Testing

@testable import GlossaEncoder

@Suite struct WorkerTeamTests {
    @Test("every member runs once per run, and the shares of any total tile it in order", arguments: [1, 2, 3, 5])
    func membersAndShares(size: Int) {
        let team = WorkerTeam(size: size)
        for total in [0, 1, 7, 64, 1000] {
            let seen = Counts(size: total + size)
            team.run { member in
                #expect(member.count == size)
                seen.add(total + member.index)  // one slot per member
                for item in member.share(of: total) { seen.add(item) }
            }
            #expect(seen.values == [Int](repeating: 1, count: total + size), "total \(total)")
        }
    }

    @Test("what a member writes before the barrier, every member reads after it, over many phases")
    func barrierOrdersWrites() {
        let size = 2
        let team = WorkerTeam(size: size)
        let phases = 2_000
        let slots = Counts(size: size)
        let mismatches = Counts(size: 1)
        team.run { member in
            for phase in 1...phases {
                slots.set(member.index, phase)
                member.barrier()
                for other in 0..<size where slots.get(other) != phase { mismatches.add(0) }
                member.barrier()
            }
        }
        #expect(mismatches.values == [0])
    }

    @Test("a released encoder frees its transformer (the team keeps no body that holds it)")
    func releasedTransformerIsFreed() throws {
        weak var transformer: Transformer?
        do {
            let used = try Encoder(modelFolder: TinyReference.folder.path)
            _ = try used.embed(queries: ["one", "two"])
            _ = try used.embed(passages: (0..<50).map { "passage \($0) " + String(repeating: "x ", count: $0) })
            transformer = used.transformer
        }
        #expect(transformer == nil)
    }
}

/// Integers that several members update; a lock keeps the test itself free of races.
private final class Counts: @unchecked Sendable {
    private var storage: [Int]
    private let lock = NSLock()

    init(size: Int) { storage = [Int](repeating: 0, count: size) }

    var values: [Int] { lock.withLock { storage } }
    func add(_ index: Int) { lock.withLock { storage[index] += 1 } }
    func set(_ index: Int, _ value: Int) { lock.withLock { storage[index] = value } }
    func get(_ index: Int) -> Int { lock.withLock { storage[index] } }
}
