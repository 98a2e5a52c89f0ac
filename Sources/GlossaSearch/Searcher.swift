// The query layer: prefix → encode → search every shard concurrently → merge → group chunks into
// documents (a document scores as its best chunk) → apply metadata filters exactly → rank.
// The CLI's `search`, `glossa eval` and the server all call `Searcher.search(queries:…)`.
import Foundation
public import GlossaCollection
import GlossaCore
import GlossaStore

/// Searches one open collection with one encoder. Thread safety: `search` may be called from
/// several tasks at once (shards are searched concurrently inside each call).
public final class Searcher: Sendable {
    public let collection: DocumentCollection
    let encoder: any CollectionEncoder
    /// Filtered searches whose filters match at most this many chunks score every match exactly
    /// from the stored vectors; larger matches over-fetch from the index and widen.
    public let exactFilterLimit: Int

    public init(collection: DocumentCollection, encoder: any CollectionEncoder, exactFilterLimit: Int = 50_000) {
        self.collection = collection
        self.encoder = encoder
        self.exactFilterLimit = exactFilterLimit
    }

    /// The `k` best documents for one query text.
    public func search(_ text: String, k: Int = 10, filters: [MetadataFilter] = [],
                       parameters: SearchOptions = SearchOptions()) throws -> [Hit]
    {
        try search(queries: [Query(id: "q", text: text)], k: k, filters: filters, parameters: parameters)[0]
    }

    /// The `k` best documents for each query, in input order. Queries are encoded in batches with the
    /// "query: " prefix (the instruct template on instruct models) and searched with one index call
    /// per shard. With filters, every hit matches every filter and k hits are returned whenever
    /// k matching documents exist.
    public func search(queries: [Query], k: Int, filters: [MetadataFilter] = [],
                       parameters: SearchOptions = SearchOptions()) throws -> [[Hit]]
    {
        guard (1...10_000).contains(k) else { throw SearchError.invalidK(k) }
        if let empty = queries.first(where: { $0.text.allSatisfy(\.isWhitespace) }) {
            throw SearchError.emptyQuery(id: empty.id)
        }
        guard !queries.isEmpty else { return [] }
        let vectors = try encoder.embed(queries.map(\.text), kind: .query)
        return try search(vectors: vectors, k: k, filters: filters, parameters: parameters)
    }

    /// The `k` best documents for each query vector (already encoded and normalised).
    public func search(vectors: [[Float]], k: Int, filters: [MetadataFilter] = [],
                       parameters: SearchOptions = SearchOptions()) throws -> [[Hit]]
    {
        if filters.isEmpty { return try searchUnfiltered(vectors, k: k, parameters: parameters) }
        let pairs = filters.map { (key: $0.key, value: $0.value) }
        let matching = try collection.store.countChunks(matching: pairs)
        if matching == 0 { return Array(repeating: [], count: vectors.count) }
        if matching <= exactFilterLimit {
            // Exact: score every matching chunk from the stored vectors.
            let candidates = try collection.store.chunkIDs(matching: pairs)
            return try vectors.map { vector in
                try group(try collection.exactScores(vector, candidates: candidates), k: k, filters: [])
            }
        }
        return try widening(vectors, k: k, filters: filters, parameters: parameters) { vector in
            // The index could not produce k matches (approximate index): fall back to exact scoring.
            let candidates = try self.collection.store.chunkIDs(matching: pairs)
            return try self.group(try self.collection.exactScores(vector, candidates: candidates), k: k, filters: [])
        }
    }

    private func searchUnfiltered(_ vectors: [[Float]], k: Int, parameters: SearchOptions) throws -> [[Hit]] {
        try widening(vectors, k: k, filters: [], parameters: parameters, fallback: nil)
    }

    /// Over-fetches chunks (4·k, then ×4) until each query has k distinct documents passing the
    /// filters, or the whole index has been fetched.
    private func widening(_ vectors: [[Float]], k: Int, filters: [MetadataFilter], parameters: SearchOptions,
                          fallback: (([Float]) throws -> [Hit])?) throws -> [[Hit]]
    {
        let total = collection.indexedChunks
        var results = Array(repeating: [Hit](), count: vectors.count)
        var pending = Array(vectors.indices)
        var fetch = min(max(total, 1), k * 4)
        while !pending.isEmpty {
            let flat = pending.flatMap { vectors[$0] }
            let chunks = try collection.searchChunks(flat, k: fetch, options: parameters)
            var stillPending: [Int] = []
            for (slot, query) in pending.enumerated() {
                let hits = try group(chunks[slot], k: k, filters: filters)
                results[query] = hits
                // Exhausted: the index returned fewer chunks than asked (all it has, or all that
                // an approximate index reaches), or the whole index was asked for.
                let exhausted = chunks[slot].count < fetch || fetch >= total
                if hits.count >= k || exhausted {
                    if hits.count < k, let fallback { results[query] = try fallback(vectors[query]) }
                } else {
                    stillPending.append(query)
                }
            }
            pending = stillPending
            fetch = min(total, fetch * 4)
        }
        return results
    }

    /// Groups ranked chunks into documents (first = best chunk per document), keeps those matching
    /// `filters`, and returns the first `k` as hits.
    private func group(_ chunks: [ChunkScore], k: Int, filters: [MetadataFilter]) throws -> [Hit] {
        let records = try collection.store.chunkRecords(ids: chunks.map(\.id))
        var seen = Set<Int64>()
        var hits: [Hit] = []
        for chunk in chunks {
            guard let record = records[chunk.id], seen.insert(record.document.rowID).inserted else { continue }
            let metadata = try MetadataValue.parseObject(record.document.metadataJSON)
            if !filters.isEmpty, !MetadataFilter.matches(filters, metadata: metadata) { continue }
            let utf8 = Array(record.document.text.utf8)
            let span = max(0, min(record.start, utf8.count))..<max(0, min(record.end, utf8.count))
            hits.append(Hit(
                id: record.document.externalID, score: chunk.score, title: record.document.title,
                text: String(decoding: utf8[span], as: UTF8.self), metadata: metadata,
                chunk: Hit.Span(start: record.start, end: record.end), chunkID: chunk.id))
            if hits.count == k { break }
        }
        return hits
    }
}
