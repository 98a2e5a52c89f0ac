// Metadata filters are exact: every hit matches, and k hits come back whenever k matching
// documents exist, on the exact-scoring path and on the over-fetch-and-widen path.
import Foundation
import GlossaCollection
import GlossaSearch
import GlossaStore
import Testing

@Suite struct FilterTests {
    @Test("filtered search equals brute force over the matching documents",
          arguments: [0, 50_000], ["faiss-flat", "faiss-hnsw", "exact"])
    func filtersExact(exactLimit: Int, kind: String) throws {
        let folder = try Fixture.folder()
        let backend: any IndexBackend = kind == "exact" ? ExactBackend() : FaissBackend()
        let indexType = kind == "faiss-hnsw" ? "hnsw:16" : "flat"
        let collection = try Fixture.open(folder.appendingPathComponent("c"), backend: backend,
                                          settings: CollectionSettings(indexType: indexType, shardCount: 2))
        let corpus = Fixture.corpus(90)
        _ = try collection.ingest(inputs: [try Fixture.jsonl(corpus, in: folder)], encoder: BagOfWordsEncoder())
        // exactLimit 0 forces the over-fetch-and-widen path through the index.
        let searcher = Searcher(collection: collection, encoder: BagOfWordsEncoder(), exactFilterLimit: exactLimit)
        let encoder = BagOfWordsEncoder()
        let cases: [[MetadataFilter]] = [
            [MetadataFilter(key: "lang", value: "de")],
            [MetadataFilter(key: "lang", value: "fr"), MetadataFilter(key: "topic", value: "b")],
            [MetadataFilter(key: "n", value: "7")],
            [MetadataFilter(key: "lang", value: "none")],
        ]
        for filters in cases {
            for query in ["uniq1 filler3", "tag50 filler9 filler10", "filler4"] {
                let hits = try searcher.search(query, k: 5, filters: filters)
                // Brute force: score every matching document's text with the same encoder.
                let q = try encoder.embed([query], kind: .query)[0]
                let matching = corpus.filter { document in
                    let metadata = document["metadata"] as? [String: Any] ?? [:]
                    return filters.allSatisfy { "\(metadata[$0.key] ?? "")" == $0.value }
                }
                let scored = try matching.map { document -> (String, Float) in
                    let title = document["title"] as? String ?? ""
                    let v = try encoder.embed([title + " " + (document["text"] as? String ?? "")], kind: .passage)[0]
                    return (document["id"] as? String ?? "", zip(q, v).reduce(0) { $0 + $1.0 * $1.1 })
                }.sorted { $0.1 > $1.1 }
                #expect(hits.count == min(5, matching.count), "\(filters) \(query)")
                #expect(hits.allSatisfy { MetadataFilter.matches(filters, metadata: $0.metadata) })
                if kind != "faiss-hnsw" || exactLimit > 0 {
                    for (hit, expected) in zip(hits, scored) { #expect(abs(hit.score - expected.1) <= 1e-5, "\(filters)") }
                }
            }
        }
    }

    @Test("a bad filter is refused with its text")
    func badFilter() throws {
        #expect { try MetadataFilter(parsing: "novalue") } throws: { "\($0)".contains("novalue") }
        #expect(try MetadataFilter(parsing: "a=b=c") == MetadataFilter(key: "a", value: "b=c"))
    }
}
