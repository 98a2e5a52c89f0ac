// Which queries a run evaluation counts (trec_eval's rules) and how the means are formed.
import Testing

@testable import GlossaEval

@Suite struct RetrievalEvaluationTests {
    let qrels: Qrels = [
        "q1": ["d1": 1, "d2": 1],
        "q2": ["d3": 0],  // judged, nothing relevant
        "q3": ["d4": 2],  // judged, absent from the run
    ]
    let run: Run = [
        "q1": [ScoredDocument(id: "d2", score: 2), ScoredDocument(id: "d9", score: 1)],
        "q2": [ScoredDocument(id: "d3", score: 1)],
        "q4": [ScoredDocument(id: "d1", score: 1)],  // no qrels at all
    ]

    @Test("queries without qrels are skipped; judged queries without relevant documents count as 0")
    func defaultRules() throws {
        let report = try RetrievalEvaluator().evaluate(run: run, qrels: qrels)
        #expect(report.queries == ["q1", "q2"])
        #expect(report.unjudgedQueries == ["q4"])
        #expect(report.missingQueries == ["q3"])
        #expect(report.perQuery["q1"]?["MRR@10"] == 1)
        #expect(report.perQuery["q1"]?["Recall@100"] == 0.5)
        #expect(report.perQuery["q1"]?["MAP"] == 0.5)
        #expect(report.perQuery["q2"] == ["nDCG@10": 0, "Recall@100": 0, "MRR@10": 0, "MAP": 0])
        // Means over q1 and q2.
        #expect(report.means["MAP"] == 0.25)
        #expect(report.means["Recall@100"] == 0.25)
    }

    @Test("countMissing scores judged queries absent from the run as 0 (trec_eval -c)")
    func countMissing() throws {
        let report = try RetrievalEvaluator(countMissing: true).evaluate(run: run, qrels: qrels)
        #expect(report.queries == ["q1", "q2", "q3"])
        #expect(report.perQuery["q3"]?["nDCG@10"] == 0)
        #expect(report.means["MAP"] == 0.5 / 3)
    }

    @Test("an empty ranking for a judged query counts, with 0")
    func emptyRanking() throws {
        let report = try RetrievalEvaluator().evaluate(run: ["q3": []], qrels: qrels)
        #expect(report.queries == ["q3"])
        #expect(report.means["nDCG@10"] == 0)
    }

    @Test("subset means (one language) use only the evaluated queries of the subset")
    func subsetMean() throws {
        let report = try RetrievalEvaluator().evaluate(run: run, qrels: qrels)
        #expect(report.mean(.averagePrecision, over: ["q1", "q4"]) == 0.5)
        #expect(report.mean(.averagePrecision, over: ["q4"]) == nil)
    }

    @Test("no evaluated query gives means of 0, not NaN")
    func nothingEvaluated() throws {
        let report = try RetrievalEvaluator().evaluate(run: [:], qrels: qrels)
        #expect(report.queries.isEmpty)
        #expect(report.means["MAP"] == 0)
    }
}
