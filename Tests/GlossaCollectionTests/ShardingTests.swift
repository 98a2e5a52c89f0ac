// Oracles for the index layer: FAISS flat equals the exact Swift index, and sharded flat equals
// unsharded flat (same ids, same scores, same order), for chunk and document results.
import Foundation
import GlossaCollection
import GlossaSearch
import GlossaStore
import Testing

private func build(_ folder: URL, backend: any IndexBackend, shards: Int, input: String) throws -> DocumentCollection {
    let collection = try Fixture.open(folder, backend: backend, settings: CollectionSettings(shardCount: shards))
    _ = try collection.ingest(inputs: [input], encoder: BagOfWordsEncoder(), options: IngestOptions(batchSize: 16))
    return collection
}

private let queries = (0..<25).map { "uniq\($0 * 3) filler\($0 % 23) tag\($0)" } + ["filler1 filler2"]

@Suite struct ShardingTests {
    @Test("sharded flat equals unsharded flat exactly, for 2, 3 and 5 shards", arguments: [2, 3, 5])
    func shardedEqualsUnsharded(shards: Int) throws {
        let folder = try Fixture.folder()
        let input = try Fixture.jsonl(Fixture.corpus(80), in: folder)
        let single = try build(folder.appendingPathComponent("one"), backend: FaissBackend(), shards: 1, input: input)
        let sharded = try build(folder.appendingPathComponent("many"), backend: FaissBackend(), shards: shards, input: input)
        #expect(try sharded.store.shardStates().filter { $0.chunkCount > 0 }.count > 1)
        let encoder = BagOfWordsEncoder()
        let vectors = try encoder.embed(queries, kind: .query)
        let a = try single.searchChunks(vectors.flatMap { $0 }, k: 10)
        let b = try sharded.searchChunks(vectors.flatMap { $0 }, k: 10)
        #expect(a == b)
        let hitsA = try Searcher(collection: single, encoder: encoder).search(queries: queries.map { Query(id: $0, text: $0) }, k: 7)
        let hitsB = try Searcher(collection: sharded, encoder: encoder).search(queries: queries.map { Query(id: $0, text: $0) }, k: 7)
        #expect(hitsA.map { $0.map(\.id) } == hitsB.map { $0.map(\.id) })
        #expect(hitsA.map { $0.map(\.score) } == hitsB.map { $0.map(\.score) })
    }

    @Test("FAISS flat returns the same chunks and scores as exact brute force")
    func flatEqualsBruteForce() throws {
        let folder = try Fixture.folder()
        let input = try Fixture.jsonl(Fixture.corpus(60), in: folder)
        let faiss = try build(folder.appendingPathComponent("f"), backend: FaissBackend(), shards: 2, input: input)
        let exact = try build(folder.appendingPathComponent("e"), backend: ExactBackend(), shards: 1, input: input)
        let vectors = try BagOfWordsEncoder().embed(queries, kind: .query).flatMap { $0 }
        let a = try faiss.searchChunks(vectors, k: 8)
        let b = try exact.searchChunks(vectors, k: 8)
        for (x, y) in zip(a, b) {
            // Scores agree to float rounding; ids agree wherever the score is not within rounding of a neighbour.
            #expect(x.count == y.count)
            for (p, q) in zip(x, y) { #expect(abs(p.score - q.score) <= 1e-5) }
            for (rank, p) in y.enumerated() {
                // The last rank may tie with a chunk just outside the list, so it is compared by score only.
                let separated = rank < y.count - 1
                    && y.indices.allSatisfy { $0 == rank || abs(y[$0].score - p.score) > 1e-5 }
                if separated { #expect(x[rank].id == p.id, "rank \(rank)") }
            }
        }
    }

    @Test("documents land in the shard given by FNV-1a of their id")
    func shardAssignment() throws {
        let folder = try Fixture.folder()
        let collection = try build(folder.appendingPathComponent("c"), backend: ExactBackend(), shards: 4,
                                   input: try Fixture.jsonl(Fixture.corpus(40), in: folder))
        for (id, shard) in try collection.store.documentShards() {
            #expect(shard == StableHash.shard(of: id, shardCount: 4))
        }
        #expect(try collection.verify().isConsistent)
    }
}
