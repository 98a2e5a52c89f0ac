// Lexical and hybrid search: the query's terms (the collection's analyzer, the encoder's pieces) matched
// in the FTS5 index as an OR of terms, chunks grouped into documents like dense hits, and hybrid fusion
// of the top documents of both sides. Filters are exact on both sides (SQL on the lexical side).
import Foundation
public import GlossaCollection
import GlossaCore
import GlossaStore

extension Searcher {
    /// The `k` best documents for each query by `mode`, with the query vectors already encoded (one per
    /// query, L2-normalised, "query: " prefix) by the caller, e.g. a server's own batching scheduler.
    ///
    /// - `.dense` uses only `vectors` (as `search(vectors:…)`).
    /// - `.lexical` uses only the query texts (`vectors` may be empty): bm25() over the lexical index,
    ///   any term matching (OR); a query with no term that matches anything gets no hits.
    /// - `.hybrid` takes the top `max(k, Fusion.depth)` documents of each side and fuses them by
    ///   `fusion`; a query with no lexical match gets its dense hits unchanged. Hit scores are the fused
    ///   scores, the chunk is the dense side's best chunk of the document (the lexical side's when the
    ///   document came only from there).
    ///
    /// Filters apply exactly on both sides. Throws `SearchError.lexicalIndexNotReady` for lexical and
    /// hybrid searches when the lexical index is not built by this searcher's analyzer, and
    /// `.vectorCountMismatch` when `vectors` do not match `queries`.
    public func search(queries: [Query], vectors: [[Float]], k: Int, filters: [MetadataFilter] = [],
                       parameters: SearchOptions = SearchOptions(), mode: SearchMode,
                       fusion: Fusion = .standard, content: HitContent = .full) throws -> [[Hit]]
    {
        guard (1...10_000).contains(k) else { throw SearchError.invalidK(k) }
        if mode != .lexical, vectors.count != queries.count {
            throw SearchError.vectorCountMismatch(queries: queries.count, vectors: vectors.count)
        }
        switch mode {
        case .dense:
            return try search(vectors: vectors, k: k, filters: filters, parameters: parameters, content: content)
        case .lexical:
            return try lexicalHits(queries, k: k, filters: filters, content: content)
        case .hybrid:
            let depth = max(k, Fusion.depth)
            let dense = try search(vectors: vectors, k: depth, filters: filters, parameters: parameters,
                                   content: .idsAndScores)
            let lexical = try lexicalHits(queries, k: depth, filters: filters, content: .idsAndScores)
            return try zip(dense, lexical).map { denseHits, lexicalHits in
                try fused(dense: denseHits, lexical: lexicalHits, fusion: fusion, k: k, content: content)
            }
        }
    }

    /// The lexical side: for each query, its `k` best documents by their best chunk's bm25() score.
    func lexicalHits(_ queries: [Query], k: Int, filters: [MetadataFilter], content: HitContent) throws -> [[Hit]] {
        let analyzer = encoder.lexicalAnalyzer
        let built = try collection.store.lexicalIdentity()
        guard built == analyzer.identity else {
            throw SearchError.lexicalIndexNotReady(
                collection: collection.folder.path, built: built, expected: analyzer.identity)
        }
        let pairs = filters.map { (key: $0.key, value: $0.value) }
        return try queries.map { query in
            let terms = try analyzer.terms(of: query.text)
            // Over-fetch chunks (4·k, then ×4) until k distinct documents are found or the index has no more.
            var fetch = k * 4
            while true {
                let chunks = try collection.store.lexicalSearch(terms, limit: fetch, filters: pairs)
                let owners = try collection.store.chunkOwners(ids: chunks.map(\.id))
                let scored = chunks.map { ChunkScore(id: $0.id, score: $0.score) }
                // Filters were applied in SQL, exactly: grouping needs no second check.
                let hits = try group(scored, owners: owners, k: k, filters: [], content: content)
                if hits.count >= k || chunks.count < fetch { return hits }
                fetch *= 4
            }
        }
    }

    /// One query's fused hits: the two id-and-score lists fused, then the first `k` read as `content`.
    private func fused(dense: [Hit], lexical: [Hit], fusion: Fusion, k: Int, content: HitContent) throws -> [Hit] {
        let ranking = fusion.fuse(dense: dense.map { ($0.id, Double($0.score)) },
                                  lexical: lexical.map { ($0.id, Double($0.score)) })
        var chunkOf: [String: Int64] = [:]
        for hit in lexical { chunkOf[hit.id] = hit.chunkID }
        // The dense side's chunk wins: it is what the document's dense score came from.
        for hit in dense { chunkOf[hit.id] = hit.chunkID }
        let chosen = ranking.prefix(k).compactMap { item in
            chunkOf[item.id].map { ChunkScore(id: $0, score: Float(item.score)) }
        }
        let owners = try collection.store.chunkOwners(ids: chosen.map(\.id))
        return try group(chosen, owners: owners, k: k, filters: [], content: content)
    }
}
