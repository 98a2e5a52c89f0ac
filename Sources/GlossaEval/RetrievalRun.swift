// Runs BEIR queries through any search function in batches, producing the `Run` that the evaluator
// scores and that TrecRun writes. `glossa eval` passes GlossaSearch; tests pass a closure.
import Foundation
import GlossaCore

/// A batch search: queries and k in, one ranking per query out (any order within a ranking).
public typealias SearchFunction = (_ queries: [BEIRRecord], _ k: Int) throws -> [[ScoredDocument]]

/// Query batches through a search function, scored as they arrive.
public enum RetrievalRun {
    /// Searches every query (in order, `batchSize` at a time) for its top `k`, scores each ranking as it
    /// arrives and keeps only its first `runDepth` documents (trec_eval order) for the run file, so a
    /// full-pool ranking (k = pool size, for MAP) never has to be held for every query at once.
    ///
    /// Throws `EvalError.mismatch` when the search function returns a different number of rankings,
    /// `EvalError.duplicateDocument`, and rethrows the search function's errors unchanged.
    public static func evaluate(
        queries: [BEIRRecord], qrels: Qrels, k: Int, evaluator: RetrievalEvaluator = RetrievalEvaluator(),
        runDepth: Int? = nil, batchSize: Int = 64, showProgress: Bool = false, search: SearchFunction
    ) throws -> (report: RetrievalReport, run: Run) {
        var run: Run = [:]
        var perQuery: [String: [String: Double]] = [:]
        let reporter = ProgressReporter(label: "searching", unit: "queries", total: queries.count, enabled: showProgress)
        var start = 0
        while start < queries.count {
            let batch = Array(queries[start..<min(queries.count, start + batchSize)])
            let rankings = try search(batch, k)
            guard rankings.count == batch.count else {
                throw EvalError.mismatch(what: "rankings returned by search", expected: batch.count, actual: rankings.count)
            }
            for (query, ranking) in zip(batch, rankings) {
                if let values = try evaluator.scores(query: query.id, documents: ranking, qrels: qrels) {
                    perQuery[query.id] = values
                }
                let ordered = try TrecRanking.ranked(ranking, query: query.id)
                run[query.id] = Array(ordered.prefix(runDepth ?? ordered.count))
            }
            reporter.advance(by: batch.count)
            start += batch.count
        }
        if showProgress { reporter.finish() }
        let report = evaluator.report(perQuery: perQuery, runQueries: Set(queries.map(\.id)), qrels: qrels)
        return (report, run)
    }
}

extension RetrievalReport {
    /// The report as a JSON-ready object: `metrics` (means), `perQuery`, counts and skipped query ids.
    public func jsonObject() -> [String: Any] {
        [
            "metrics": means,
            "metricOrder": metrics.map(\.description),
            "evaluatedQueries": queries.count,
            "perQuery": perQuery,
            "unjudgedQueries": unjudgedQueries,
            "missingQueries": missingQueries,
        ]
    }

    /// A human-readable table: one line per metric with the mean, then the query counts.
    public func summary() -> String {
        var lines = metrics.map { metric in
            metric.description.padding(toLength: 12, withPad: " ", startingAt: 0)
                + String(format: "%.4f", means[metric.description] ?? 0)
        }
        lines.append("evaluated \(queries.count) queries; \(unjudgedQueries.count) without qrels skipped; "
            + "\(missingQueries.count) judged but not in the run")
        return lines.joined(separator: "\n")
    }
}
