// Hand-computed cases for the trec_eval-style metrics: graded gains, ties, unjudged documents,
// queries without relevant documents, queries missing from the run or from the qrels.
import Foundation
import Testing

@testable import GlossaEval

@Suite struct RetrievalMetricsTests {
    /// Judgments d1:3 d2:2 d3:0 d4:1; the run ranks d3 d1 d5(unjudged) d4 d2, so grades 0 3 – 1 2.
    let judgments = ["d1": 3, "d2": 2, "d3": 0, "d4": 1]
    let ranking = [
        ScoredDocument(id: "d3", score: 0.9), ScoredDocument(id: "d1", score: 0.8),
        ScoredDocument(id: "d5", score: 0.7), ScoredDocument(id: "d4", score: 0.6),
        ScoredDocument(id: "d2", score: 0.5),
    ]

    func value(_ metric: RetrievalMetric, _ documents: [ScoredDocument]? = nil,
               _ judged: [String: Int]? = nil) throws -> Double {
        let ranked = try TrecRanking.ranked(documents ?? ranking, query: "q")
        let judged = judged ?? judgments
        return metric.value(grades: TrecRanking.grades(of: ranked, judgments: judged), judgments: judged)
    }

    @Test("graded nDCG uses the grade as gain and the ideal order of all judged grades")
    func gradedNDCG() throws {
        // DCG: grade 3 at rank 2, 1 at rank 4, 2 at rank 5; ideal: 3, 2, 1 at ranks 1, 2, 3.
        let dcg = 3 / log2(3.0) + 1 / log2(5.0) + 2 / log2(6.0)
        let ideal = 3 / log2(2.0) + 2 / log2(3.0) + 1 / log2(4.0)
        #expect(abs(try value(.ndcg(cutoff: 10)) - dcg / ideal) < 1e-12)
        // At 3 only the grade-3 document is inside the cut, and the ideal is cut at 3 as well.
        #expect(abs(try value(.ndcg(cutoff: 3)) - (3 / log2(3.0)) / ideal) < 1e-12)
        // At 1 the top document is judged non-relevant.
        #expect(try value(.ndcg(cutoff: 1)) == 0)
    }

    @Test("recall, precision, MRR and MAP on the same ranking")
    func binaryMetrics() throws {
        #expect(try value(.recall(cutoff: 3)) == 1.0 / 3)
        #expect(try value(.recall(cutoff: 4)) == 2.0 / 3)
        #expect(try value(.recall(cutoff: 100)) == 1)
        #expect(try value(.precision(cutoff: 5)) == 3.0 / 5)
        // P@k divides by k even when fewer documents were retrieved (trec_eval).
        #expect(try value(.precision(cutoff: 10)) == 3.0 / 10)
        #expect(try value(.mrr(cutoff: 10)) == 1.0 / 2)
        #expect(try value(.mrr(cutoff: 1)) == 0)
        // Relevant at ranks 2, 4, 5: (1/2 + 2/4 + 3/5) / 3.
        #expect(abs(try value(.averagePrecision) - (0.5 + 0.5 + 0.6) / 3) < 1e-12)
    }

    @Test("a relevant document that was not retrieved lowers recall and MAP")
    func unretrievedRelevant() throws {
        let judged = ["d1": 1, "d2": 1, "d9": 1]
        // Relevant d1 at rank 2 and d2 at rank 5; d9 never retrieved counts as precision 0.
        #expect(abs(try value(.averagePrecision, nil, judged) - (1.0 / 2 + 2.0 / 5) / 3) < 1e-12)
        #expect(try value(.recall(cutoff: 100), nil, judged) == 2.0 / 3)
        let ideal = 1 + 1 / log2(3.0) + 1 / log2(4.0)
        #expect(abs(try value(.ndcg(cutoff: 10), nil, judged) - (1 / log2(3.0) + 1 / log2(6.0)) / ideal) < 1e-12)
    }

    @Test("ties are broken by document id in descending byte order, as trec_eval does")
    func ties() throws {
        let tied = [
            ScoredDocument(id: "a", score: 0.5), ScoredDocument(id: "b", score: 0.5),
            ScoredDocument(id: "c", score: 0.9), ScoredDocument(id: "B", score: 0.5),
        ]
        let ranked = try TrecRanking.ranked(tied, query: "q")
        // "b" (0x62) > "a" (0x61) > "B" (0x42).
        #expect(ranked.map(\.id) == ["c", "b", "a", "B"])
        #expect(try value(.mrr(cutoff: 10), tied, ["a": 1]) == 1.0 / 3)
        #expect(try value(.averagePrecision, tied, ["a": 1, "B": 1]) == (1.0 / 3 + 2.0 / 4) / 2)
    }

    @Test("a query whose judgments hold no relevant document scores 0 on every metric")
    func noRelevant() throws {
        for metric in RetrievalMetric.standard + [.precision(cutoff: 5)] {
            #expect(try value(metric, nil, ["d1": 0, "d3": 0, "d4": -1]) == 0)
        }
    }

    @Test("negative grades add no gain and do not count as relevant")
    func negativeGrades() throws {
        let judged = ["d3": -2, "d1": 1]
        #expect(try value(.ndcg(cutoff: 10), nil, judged) == 1 / log2(3.0))
        #expect(try value(.recall(cutoff: 1), nil, judged) == 0)
    }

    @Test("a ranking that lists a document twice is rejected with the query and document named")
    func duplicate() {
        let docs = [ScoredDocument(id: "d1", score: 1), ScoredDocument(id: "d1", score: 0.5)]
        #expect(throws: EvalError.duplicateDocument(query: "q7", document: "d1")) {
            try TrecRanking.ranked(docs, query: "q7")
        }
    }

    @Test("metric names match the report columns")
    func names() {
        #expect(RetrievalMetric.standard.map(\.description) == ["nDCG@10", "Recall@100", "MRR@10", "MAP"])
    }
}
