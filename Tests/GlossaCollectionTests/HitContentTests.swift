// Lightweight hits (`content: .idsAndScores`, used by `glossa eval` with k = the whole pool) rank
// exactly like full hits, and grouping keeps each document's best chunk in chunk-ranking order
// (checked against chunk search + the store's chunk records, independently of the Searcher).
import Foundation
import GlossaCollection
import GlossaSearch
import GlossaStore
import Testing

private let queries = ["uniq3 filler4", "tag17 filler9 filler10", "filler1 filler2 filler3", "uniq40 tag41"]

/// A collection of multi-chunk documents (80 words, 16-token chunks).
private func multiChunk(shards: Int) throws -> DocumentCollection {
    let folder = try Fixture.folder("content")
    let corpus = (0..<50).map { Fixture.document($0, words: 80) }
    let collection = try Fixture.open(folder.appendingPathComponent("c"), backend: FaissBackend(),
                                      settings: CollectionSettings(shardCount: shards, chunkTokens: 16, chunkOverlap: 4))
    _ = try collection.ingest(inputs: [try Fixture.jsonl(corpus, in: folder)], encoder: BagOfWordsEncoder())
    return collection
}

@Suite struct HitContentTests {
    @Test("ids-and-scores hits equal full hits (id, score, span, chunk) and carry no text", arguments: [1, 3])
    func lightEqualsFull(shards: Int) throws {
        let collection = try multiChunk(shards: shards)
        #expect(collection.indexedChunks > 100)
        let list = queries.map { Query(id: $0, text: $0) }
        let filterCases: [[MetadataFilter]] = [[], [MetadataFilter(key: "lang", value: "de")]]
        for exactLimit in [0, 50_000] {
            let searcher = Searcher(collection: collection, encoder: BagOfWordsEncoder(), exactFilterLimit: exactLimit)
            for filters in filterCases {
                for k in [1, 7, 10_000] {
                    let full = try searcher.search(queries: list, k: k, filters: filters)
                    let light = try searcher.search(queries: list, k: k, filters: filters, content: .idsAndScores)
                    #expect(full.map { $0.map(\.id) } == light.map { $0.map(\.id) }, "k \(k) \(filters)")
                    #expect(full.map { $0.map(\.score) } == light.map { $0.map(\.score) }, "k \(k) \(filters)")
                    #expect(full.map { $0.map(\.chunk) } == light.map { $0.map(\.chunk) }, "k \(k) \(filters)")
                    #expect(full.map { $0.map(\.chunkID) } == light.map { $0.map(\.chunkID) }, "k \(k) \(filters)")
                    #expect(light.joined().allSatisfy { $0.text.isEmpty && $0.title == nil && $0.metadata.isEmpty })
                    #expect(full.joined().allSatisfy { !$0.text.isEmpty && $0.title != nil && !$0.metadata.isEmpty })
                    let expectedCount = filters.isEmpty ? min(k, 50) : min(k, 13)
                    #expect(full.allSatisfy { $0.count == expectedCount }, "k \(k) \(filters)")
                }
            }
        }
    }

    @Test("a whole-pool ranking lists every document once, at its best chunk's score, in chunk order",
          arguments: [HitContent.full, .idsAndScores])
    func groupingOracle(content: HitContent) throws {
        let collection = try multiChunk(shards: 2)
        let searcher = Searcher(collection: collection, encoder: BagOfWordsEncoder())
        let vectors = try BagOfWordsEncoder().embed(queries, kind: .query)
        let hits = try searcher.search(vectors: vectors, k: 10_000, content: content)
        let chunks = try collection.searchChunks(vectors.flatMap { $0 }, k: collection.indexedChunks)
        let records = try collection.store.chunkRecords(ids: Array(Set(chunks.joined().map(\.id))))
        for (ranking, ranked) in zip(hits, chunks) {
            #expect(ranked.count == collection.indexedChunks)
            var seen = Set<String>()
            var expected: [(id: String, score: Float, chunk: Int64)] = []
            for chunk in ranked {
                guard let record = records[chunk.id] else { Issue.record("chunk \(chunk.id) has no record"); continue }
                if seen.insert(record.document.externalID).inserted {
                    expected.append((record.document.externalID, chunk.score, chunk.id))
                }
            }
            #expect(expected.count == 50)
            #expect(ranking.map(\.id) == expected.map(\.id))
            #expect(ranking.map(\.score) == expected.map(\.score))
            #expect(ranking.map(\.chunkID) == expected.map(\.chunk))
        }
    }

    @Test("the store's chunk owners agree with its chunk records")
    func ownersMatchRecords() throws {
        let collection = try multiChunk(shards: 2)
        let ids = Array(Int64(1)...Int64(collection.indexedChunks + 5))
        let owners = try collection.store.chunkOwners(ids: ids)
        let records = try collection.store.chunkRecords(ids: ids)
        #expect(owners.count == collection.indexedChunks)
        #expect(Set(owners.keys) == Set(records.keys))
        for (id, owner) in owners {
            let record = try #require(records[id])
            #expect(owner.chunkID == id && owner.start == record.start && owner.end == record.end)
            #expect(owner.documentRowID == record.document.rowID && owner.externalID == record.document.externalID)
        }
    }
}
