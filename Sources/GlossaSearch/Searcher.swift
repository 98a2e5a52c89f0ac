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

    /// The `k` best documents for one query text, by `mode` (see `search(queries:…)`).
    public func search(_ text: String, k: Int = 10, filters: [MetadataFilter] = [],
                       parameters: SearchOptions = SearchOptions(), mode: SearchMode = .dense,
                       fusion: Fusion = .standard, content: HitContent = .full) throws -> [Hit]
    {
        try search(queries: [Query(id: "q", text: text)], k: k, filters: filters, parameters: parameters,
                   mode: mode, fusion: fusion, content: content)[0]
    }

    /// The `k` best documents for each query, in input order. Queries are encoded in batches with the
    /// "query: " prefix (the instruct template on instruct models) and searched with one index call
    /// per shard. With filters, every hit matches every filter and k hits are returned whenever
    /// k matching documents exist. `content: .idsAndScores` skips reading text, title and metadata
    /// (same ranking and scores; for evaluation with large k).
    ///
    /// `mode` picks the side: `.dense` (the default), `.lexical` (no encoding) or `.hybrid` (both, fused by
    /// `fusion`; see `search(queries:vectors:…)`).
    public func search(queries: [Query], k: Int, filters: [MetadataFilter] = [],
                       parameters: SearchOptions = SearchOptions(), mode: SearchMode = .dense,
                       fusion: Fusion = .standard, content: HitContent = .full) throws -> [[Hit]]
    {
        guard (1...10_000).contains(k) else { throw SearchError.invalidK(k) }
        if let empty = queries.first(where: { $0.text.allSatisfy(\.isWhitespace) }) {
            throw SearchError.emptyQuery(id: empty.id)
        }
        guard !queries.isEmpty else { return [] }
        // A lexical search needs no vectors: the encoder is not run.
        let vectors = mode == .lexical ? [] : try encoder.embed(queries.map(\.text), kind: .query)
        return try search(queries: queries, vectors: vectors, k: k, filters: filters, parameters: parameters,
                          mode: mode, fusion: fusion, content: content)
    }

    /// The `k` best documents for each query vector (already encoded and normalised).
    public func search(vectors: [[Float]], k: Int, filters: [MetadataFilter] = [],
                       parameters: SearchOptions = SearchOptions(), content: HitContent = .full) throws -> [[Hit]]
    {
        if filters.isEmpty {
            return try widening(vectors, k: k, filters: [], parameters: parameters, content: content, fallback: nil)
        }
        let pairs = filters.map { (key: $0.key, value: $0.value) }
        let matching = try collection.store.countChunks(matching: pairs)
        if matching == 0 { return Array(repeating: [], count: vectors.count) }
        if matching <= exactFilterLimit {
            // Exact: score every matching chunk from the stored vectors.
            let candidates = try collection.store.chunkIDs(matching: pairs)
            let owners = try collection.store.chunkOwners(ids: candidates)
            return try vectors.map { vector in
                try group(try collection.exactScores(vector, candidates: candidates), owners: owners, k: k,
                          filters: [], content: content)
            }
        }
        return try widening(vectors, k: k, filters: filters, parameters: parameters, content: content) { vector in
            // The index could not produce k matches (approximate index): fall back to exact scoring.
            let candidates = try self.collection.store.chunkIDs(matching: pairs)
            let owners = try self.collection.store.chunkOwners(ids: candidates)
            return try self.group(try self.collection.exactScores(vector, candidates: candidates), owners: owners,
                                  k: k, filters: [], content: content)
        }
    }

    /// Over-fetches chunks (4·k, then ×4) until each query has k distinct documents passing the
    /// filters, or the whole index has been fetched. Chunk owners are read once per round for the
    /// whole batch.
    private func widening(_ vectors: [[Float]], k: Int, filters: [MetadataFilter], parameters: SearchOptions,
                          content: HitContent, fallback: (([Float]) throws -> [Hit])?) throws -> [[Hit]]
    {
        let total = collection.indexedChunks
        var results = Array(repeating: [Hit](), count: vectors.count)
        var pending = Array(vectors.indices)
        var fetch = min(max(total, 1), k * 4)
        while !pending.isEmpty {
            let flat = pending.flatMap { vectors[$0] }
            let chunks = try collection.searchChunks(flat, k: fetch, options: parameters)
            let owners = try collection.store.chunkOwners(ids: Array(Set(chunks.joined().map(\.id))))
            var stillPending: [Int] = []
            for (slot, query) in pending.enumerated() {
                let hits = try group(chunks[slot], owners: owners, k: k, filters: filters, content: content)
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

    /// Groups ranked chunks into documents (first = best chunk per document, using only `owners`),
    /// keeps those matching `filters`, and returns the first `k` as hits. Text, title and metadata
    /// are read only for the documents considered (with filters) or returned (`.full`).
    func group(_ chunks: [ChunkScore], owners: [Int64: ChunkOwner], k: Int, filters: [MetadataFilter],
                       content: HitContent) throws -> [Hit]
    {
        var seen = Set<Int64>()
        var best: [(chunk: ChunkScore, owner: ChunkOwner)] = []
        for chunk in chunks {
            guard let owner = owners[chunk.id], seen.insert(owner.documentRowID).inserted else { continue }
            best.append((chunk, owner))
            if filters.isEmpty, best.count == k { break }
        }
        guard !filters.isEmpty || content == .full else {
            return best.map { chunk, owner in
                Hit(id: owner.externalID, score: chunk.score, title: nil, text: "", metadata: [:],
                    chunk: Hit.Span(start: owner.start, end: owner.end), chunkID: chunk.id)
            }
        }
        let records = try collection.store.chunkRecords(ids: best.map(\.chunk.id))
        var hits: [Hit] = []
        for (chunk, _) in best {
            guard let record = records[chunk.id] else { continue }
            let metadata = try MetadataValue.parseObject(record.document.metadataJSON)
            if !filters.isEmpty, !MetadataFilter.matches(filters, metadata: metadata) { continue }
            if content == .full {
                let utf8 = Array(record.document.text.utf8)
                let span = max(0, min(record.start, utf8.count))..<max(0, min(record.end, utf8.count))
                hits.append(Hit(
                    id: record.document.externalID, score: chunk.score, title: record.document.title,
                    text: String(decoding: utf8[span], as: UTF8.self), metadata: metadata,
                    chunk: Hit.Span(start: record.start, end: record.end), chunkID: chunk.id))
            } else {
                hits.append(Hit(
                    id: record.document.externalID, score: chunk.score, title: nil, text: "", metadata: [:],
                    chunk: Hit.Span(start: record.start, end: record.end), chunkID: chunk.id))
            }
            if hits.count == k { break }
        }
        return hits
    }
}

/// What a hit carries besides its document id, score and chunk span.
public enum HitContent: Sendable, Equatable {
    /// Title, best-chunk text and metadata (read from the database for the returned hits only).
    case full
    /// Only id, score and chunk span: `title` is nil, `text` empty, `metadata` empty. Rankings and
    /// scores are identical to `.full`; used by evaluation, where k can be the whole collection.
    case idsAndScores
}
