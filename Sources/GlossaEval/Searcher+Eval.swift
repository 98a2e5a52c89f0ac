// `glossa eval`'s one library call: BEIR queries through GlossaSearch's Searcher, scored as they come.
public import GlossaSearch

extension RetrievalRun {
    /// Runs `queries` through `searcher` (query prefix, all shards, chunks grouped into documents) and
    /// evaluates the rankings against `qrels`; see `evaluate(queries:qrels:k:…:search:)`.
    /// MAP covers the top `k` only, so pass the collection size for a full-ranking MAP (LAReQA).
    /// Throws the searcher's `SearchError`s unchanged (e.g. k outside 1…10000, an empty query).
    public static func evaluate(
        searcher: Searcher, queries: [BEIRRecord], qrels: Qrels, k: Int,
        evaluator: RetrievalEvaluator = RetrievalEvaluator(), runDepth: Int? = nil, showProgress: Bool = false
    ) throws -> (report: RetrievalReport, run: Run) {
        try evaluate(queries: queries, qrels: qrels, k: k, evaluator: evaluator, runDepth: runDepth,
                     showProgress: showProgress) { batch, k in
            // Ids and scores only: no text, title or metadata is read for the (up to k = pool) hits.
            let hits = try searcher.search(
                queries: batch.map { Query(id: $0.id, text: $0.text) }, k: k, content: .idsAndScores)
            return hits.map { ranking in ranking.map { ScoredDocument(id: $0.id, score: Double($0.score)) } }
        }
    }
}
