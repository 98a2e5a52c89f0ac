// Evaluates a whole run against qrels: which queries count (trec_eval's rules), per-query values and
// their means. This is what `glossa eval` prints and what eval/results.json is built from.

/// Per-query and mean metric values for a run, with the bookkeeping that says which queries counted.
public struct RetrievalReport: Sendable, Equatable {
    /// The metrics, in report order.
    public let metrics: [RetrievalMetric]
    /// Evaluated query ids, sorted by UTF-8 bytes.
    public let queries: [String]
    /// query id → metric name → value, for every evaluated query.
    public let perQuery: [String: [String: Double]]
    /// metric name → mean over `queries` (0 when no query was evaluated).
    public let means: [String: Double]
    /// Queries in the run that have no qrels line at all; trec_eval skips them, so do we.
    public let unjudgedQueries: [String]
    /// Queries with qrels that are absent from the run: skipped, or scored 0 with `countMissing`.
    public let missingQueries: [String]

    /// The mean of one metric over a subset of the evaluated queries (e.g. one language), or nil when
    /// none of `subset` was evaluated.
    public func mean(_ metric: RetrievalMetric, over subset: some Sequence<String>) -> Double? {
        var sum = 0.0
        var count = 0
        for query in subset {
            guard let value = perQuery[query]?[metric.description] else { continue }
            sum += value
            count += 1
        }
        return count > 0 ? sum / Double(count) : nil
    }
}

/// Scores runs with a fixed list of metrics.
///
/// Which queries count follows trec_eval: a query is evaluated when it is in the run (an empty ranking
/// counts: the query was asked and nothing came back) and has at least one qrels line (grade 0 is a line).
/// A judged query without any relevant document scores 0 on every metric. With `countMissing`
/// (trec_eval `-c`) judged queries absent from the run also count, with 0.
public struct RetrievalEvaluator: Sendable {
    public let metrics: [RetrievalMetric]
    public let countMissing: Bool

    /// `metrics` in report order; `countMissing` as trec_eval `-c`.
    public init(metrics: [RetrievalMetric] = RetrievalMetric.standard, countMissing: Bool = false) {
        self.metrics = metrics
        self.countMissing = countMissing
    }

    /// Evaluates `run` against `qrels`. Throws `EvalError.duplicateDocument` when a ranking repeats a
    /// document. Complexity: O(Σ n log n) over the rankings.
    public func evaluate(run: Run, qrels: Qrels) throws -> RetrievalReport {
        var perQuery: [String: [String: Double]] = [:]
        for (query, documents) in run {
            if let values = try scores(query: query, documents: documents, qrels: qrels) { perQuery[query] = values }
        }
        return report(perQuery: perQuery, runQueries: Set(run.keys), qrels: qrels)
    }

    /// One query's metric values, or nil when the query has no qrels line (it is then not evaluated).
    /// Lets a caller score rankings as they arrive and drop them (`RetrievalRun`).
    public func scores(query: String, documents: [ScoredDocument], qrels: Qrels) throws -> [String: Double]? {
        guard let judgments = qrels[query] else { return nil }
        let ranking = try TrecRanking.ranked(documents, query: query)
        return values(grades: TrecRanking.grades(of: ranking, judgments: judgments), judgments: judgments)
    }

    /// The report from per-query values (as `scores` made them) and the ids of every query in the run.
    public func report(perQuery: [String: [String: Double]], runQueries: Set<String>, qrels: Qrels) -> RetrievalReport {
        var perQuery = perQuery
        let unjudged = runQueries.filter { qrels[$0] == nil }
        let missing = qrels.keys.filter { !runQueries.contains($0) }
        if countMissing {
            for query in missing { perQuery[query] = values(grades: [], judgments: qrels[query] ?? [:]) }
        }
        let queries = perQuery.keys.sorted(by: Self.byteOrder)
        var means: [String: Double] = [:]
        for metric in metrics {
            let name = metric.description
            let sum = queries.reduce(0.0) { $0 + (perQuery[$1]?[name] ?? 0) }
            means[name] = queries.isEmpty ? 0 : sum / Double(queries.count)
        }
        return RetrievalReport(
            metrics: metrics, queries: queries, perQuery: perQuery, means: means,
            unjudgedQueries: unjudged.sorted(by: Self.byteOrder), missingQueries: missing.sorted(by: Self.byteOrder))
    }

    private func values(grades: [Int?], judgments: [String: Int]) -> [String: Double] {
        var result: [String: Double] = [:]
        for metric in metrics { result[metric.description] = metric.value(grades: grades, judgments: judgments) }
        return result
    }

    static func byteOrder(_ a: String, _ b: String) -> Bool { a.utf8.lexicographicallyPrecedes(b.utf8) }
}
