// Where searchChunks reads the vectors it scores: from a flat index's own copies when the indexes hold what
// SQLite holds, from SQLite while a write of this process is between the two. Either way the scores are the
// one fixed dot product over the same stored floats, so they are equal to the bit.
import Foundation
import GlossaStore
import Testing

@testable import GlossaCollection

@Suite struct ScoringSourceTests {
    private func collection(_ indexType: String) throws -> DocumentCollection {
        let folder = try Fixture.folder("scoring")
        let collection = try Fixture.open(
            folder.appendingPathComponent("c"), backend: FaissBackend(),
            settings: CollectionSettings(indexType: indexType, shardCount: 2))
        _ = try collection.ingest(inputs: [try Fixture.jsonl(Fixture.corpus(80), in: folder)], encoder: BagOfWordsEncoder())
        return collection
    }

    private func queries(_ count: Int) throws -> [Float] {
        try BagOfWordsEncoder().embed((0..<count).map { "uniq\($0 % 80) topic words" }, kind: .query).flatMap { $0 }
    }

    @Test("flat scores from the index's copies equal SQLite's exact scores to the bit", arguments: ["flat", "ivf:4"])
    func scoresEqualStored(indexType: String) throws {
        let collection = try collection(indexType)
        let dimension = collection.manifest.dimension
        let batch = try queries(30)
        let found = try collection.searchChunks(batch, k: 5)
        #expect(found.allSatisfy { $0.count == 5 })
        for (q, hits) in found.enumerated() {
            let query = Array(batch[q * dimension..<(q + 1) * dimension])
            // exactScores reads every vector from SQLite.
            let stored = try collection.exactScores(query, candidates: hits.map(\.id))
            #expect(Dictionary(uniqueKeysWithValues: stored.map { ($0.id, $0.score) })
                == Dictionary(uniqueKeysWithValues: hits.map { ($0.id, $0.score) }), "query \(q)")
        }
    }

    @Test("while SQLite is ahead of the indexes, chunks it no longer holds are not returned")
    func storeAheadDropsDeleted() throws {
        let collection = try collection("flat")
        let batch = try queries(80)
        let before = try collection.searchChunks(batch, k: 3)
        let owners = try collection.store.chunkOwners(ids: Array(Set(before.joined().map(\.id))))
        let doomed = Set(owners.values.map(\.externalID)).sorted().prefix(20)
        try collection.writingAheadOfIndexes {
            // Committed to SQLite, not yet removed from the indexes: the moment inside every delete.
            _ = try collection.store.delete(externalIDs: Array(doomed))
            let during = try collection.searchChunks(batch, k: 3)
            let left = try collection.store.chunkOwners(ids: Array(Set(during.joined().map(\.id))))
            #expect(during.joined().allSatisfy { left[$0.id] != nil }, "a deleted chunk was returned")
            #expect(during.allSatisfy { $0.count == 3 })
        }
        #expect(collection.indexesMatchStore)
    }

    @Test("a write that fails between SQLite and the indexes leaves searches reading from SQLite")
    func failedWriteStaysCounted() throws {
        let collection = try collection("flat")
        struct Interrupted: Error {}
        #expect(throws: Interrupted.self) { try collection.writingAheadOfIndexes { throw Interrupted() } }
        #expect(!collection.indexesMatchStore)
    }
}
