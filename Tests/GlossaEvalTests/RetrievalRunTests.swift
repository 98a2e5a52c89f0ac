// Streaming evaluation through a search function: same numbers as evaluating the whole run at once,
// run files cut to --run-depth in trec_eval order, and a search that loses queries is caught.
import Testing

@testable import GlossaEval

@Suite struct RetrievalRunTests {
    let queries = (1...5).map { BEIRRecord(id: "q\($0)", text: "text \($0)") }
    let qrels: Qrels = ["q1": ["d1": 1], "q2": ["d2": 2, "d3": 1], "q3": ["d9": 0], "q4": ["d4": 1]]

    /// Query "text n" gets documents d1…d6 scored so that d_n is ranked n-th from the top, ties included.
    func search(_ batch: [BEIRRecord], _ k: Int) -> [[ScoredDocument]] {
        batch.map { query in
            let n = Double(query.text.split(separator: " ")[1]) ?? 0
            return (1...6).map { ScoredDocument(id: "d\($0)", score: Double($0) == n ? 0.5 : 1 / Double($0)) }
                .prefix(k).map { $0 }
        }
    }

    @Test("batched streaming evaluation equals evaluating the collected run", arguments: [1, 2, 64])
    func streamingEqualsWhole(batchSize: Int) throws {
        let (report, run) = try RetrievalRun.evaluate(
            queries: queries, qrels: qrels, k: 6, batchSize: batchSize) { batch, k in search(batch, k) }
        let whole = try RetrievalEvaluator().evaluate(run: run, qrels: qrels)
        #expect(report == whole)
        #expect(report.queries == ["q1", "q2", "q3", "q4"])
        #expect(report.unjudgedQueries == ["q5"])
    }

    @Test("runDepth keeps the first documents in trec_eval order; metrics still see all k")
    func runDepth() throws {
        let (report, run) = try RetrievalRun.evaluate(
            queries: queries, qrels: qrels, k: 6, runDepth: 2) { batch, k in search(batch, k) }
        // q4: scores d1 1, d2 0.5, d3 0.333, d4 0.5 (its own), d5 0.2, d6 0.167 → d1, then d4 before d2 (tie, "d4" > "d2").
        #expect(run["q4"]?.map(\.id) == ["d1", "d4"])
        // d4 is at rank 2 of the full ranking: MRR 1/2; q4's MAP 1/2 as well.
        #expect(report.perQuery["q4"]?["MRR@10"] == 0.5)
        #expect(report.perQuery["q4"]?["MAP"] == 0.5)
        // q2: d2 (0.5) ties with nothing above it except d1: ranks d1, d2, d3 → AP (1/2 + 2/3) / 2.
        #expect(report.perQuery["q2"]?["MAP"] == (1.0 / 2 + 2.0 / 3) / 2)
    }

    @Test("a search that returns fewer rankings than queries is an error")
    func lostQueries() {
        #expect(throws: EvalError.mismatch(what: "rankings returned by search", expected: 5, actual: 4)) {
            try RetrievalRun.evaluate(queries: queries, qrels: qrels, k: 3) { batch, k in Array(search(batch, k).dropLast()) }
        }
    }
}
