// Runs BEIR queries through any search function in batches, producing the `Run` that the evaluator
// scores and that TrecRun writes. `glossa eval` passes GlossaSearch; tests pass a closure.
import Foundation
import GlossaCore

/// A batch search: query texts and k in, one ranking per query out (any order within a ranking).
public typealias SearchFunction = (_ queries: [String], _ k: Int) throws -> [[ScoredDocument]]

public enum RetrievalRun {
    /// Searches every query (in order, `batchSize` at a time) for its top `k` and collects the run.
    /// Throws `EvalError.mismatch` when the search function returns a different number of rankings,
    /// and rethrows the search function's errors unchanged.
    public static func run(
        queries: [BEIRRecord], k: Int, batchSize: Int = 256, showProgress: Bool = false,
        search: SearchFunction
    ) throws -> Run {
        var run: Run = [:]
        let reporter = ProgressReporter(label: "searching", unit: "queries", total: queries.count, enabled: showProgress)
        var start = 0
        while start < queries.count {
            let batch = Array(queries[start..<min(queries.count, start + batchSize)])
            let rankings = try search(batch.map(\.text), k)
            guard rankings.count == batch.count else {
                throw EvalError.mismatch(what: "rankings returned by search", expected: batch.count, actual: rankings.count)
            }
            for (query, ranking) in zip(batch, rankings) { run[query.id] = ranking }
            reporter.advance(by: batch.count)
            start += batch.count
        }
        if showProgress { reporter.finish() }
        return run
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
