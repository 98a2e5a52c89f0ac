// `glossa eval`'s one library call: BEIR queries through GlossaSearch's Searcher, scored as they come.
public import GlossaSearch

extension RetrievalRun {
    /// Runs `queries` through `searcher` (query prefix, all shards, chunks grouped into documents) and
    /// evaluates the rankings against `qrels`; see `evaluate(queries:qrels:k:…:search:)`.
    /// MAP covers the top `k` only, so pass the collection size for a full-ranking MAP (LAReQA).
    /// Throws the searcher's `SearchError`s unchanged (e.g. k outside 1…10000, an empty query).
    /// `mode` and `fusion` as in `Searcher.search(queries:vectors:…)`; `vectors` (one per query, in
    /// order; e.g. from an `EmbeddingCache`) spare encoding the queries again for every mode.
    public static func evaluate(
        searcher: Searcher, queries: [BEIRRecord], qrels: Qrels, k: Int,
        evaluator: RetrievalEvaluator = RetrievalEvaluator(), runDepth: Int? = nil, showProgress: Bool = false,
        mode: SearchMode = .dense, fusion: Fusion = .standard, vectors: [[Float]]? = nil
    ) throws -> (report: RetrievalReport, run: Run) {
        if let vectors, vectors.count != queries.count {
            throw EvalError.mismatch(what: "query vectors", expected: queries.count, actual: vectors.count)
        }
        var position: [String: Int] = [:]
        for (index, query) in queries.enumerated() { position[query.id] = index }
        return try evaluate(queries: queries, qrels: qrels, k: k, evaluator: evaluator, runDepth: runDepth,
                            showProgress: showProgress) { batch, k in
            let asked = batch.map { Query(id: $0.id, text: $0.text) }
            // Ids and scores only: no text, title or metadata is read for the (up to k = pool) hits.
            let hits: [[Hit]]
            if let vectors {
                let batchVectors = batch.compactMap { position[$0.id].map { vectors[$0] } }
                hits = try searcher.search(queries: asked, vectors: batchVectors, k: k, mode: mode, fusion: fusion,
                                           content: .idsAndScores)
            } else {
                hits = try searcher.search(queries: asked, k: k, mode: mode, fusion: fusion, content: .idsAndScores)
            }
            return hits.map { ranking in ranking.map { ScoredDocument(id: $0.id, score: Double($0.score)) } }
        }
    }
}

extension RetrievalRun {
    /// Wall-clock milliseconds of one `searcher.search` call per query (encode + search + group, top `k`,
    /// ids and scores), one query at a time, after `warmUp` untimed queries: the per-query latency of a
    /// mode, as `glossa eval --latency` reports it (a benchmark figure; tests never assert on it).
    public static func latencies(searcher: Searcher, queries: [BEIRRecord], k: Int = 10, mode: SearchMode,
                                 fusion: Fusion = .standard, warmUp: Int = 20) throws -> [Double]
    {
        let asked = queries.map { Query(id: $0.id, text: $0.text) }
        for query in asked.prefix(warmUp) {
            _ = try searcher.search(queries: [query], k: k, mode: mode, fusion: fusion, content: .idsAndScores)
        }
        let clock = ContinuousClock()
        return try asked.map { query in
            let elapsed = try clock.measure {
                _ = try searcher.search(queries: [query], k: k, mode: mode, fusion: fusion, content: .idsAndScores)
            }
            return Double(elapsed.components.seconds) * 1e3 + Double(elapsed.components.attoseconds) * 1e-15
        }
    }
}
