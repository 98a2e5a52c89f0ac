// Per-query retrieval metrics with trec_eval's definitions (usnistgov/trec_eval: form_res_rels.c,
// m_ndcg_cut.c, m_recall.c, m_map.c, m_P.c) plus BEIR's MRR@k, over plain Swift values so that
// they can be tested by hand and do not depend on how the ranking was produced.
import Foundation

/// Relevance judgments: query id → document id → grade. A grade ≥ 1 is relevant (trec_eval's
/// default `relevance_level` 1); 0 or negative is judged non-relevant; a missing document is unjudged,
/// which every metric here treats as non-relevant.
public typealias Qrels = [String: [String: Int]]

/// One retrieved document with its score (higher is better).
public struct ScoredDocument: Sendable, Hashable {
    public let id: String
    public let score: Double

    /// A document id with its score.
    public init(id: String, score: Double) {
        self.id = id
        self.score = score
    }
}

/// A run: query id → retrieved documents, in any order (`TrecRanking` recomputes the order).
public typealias Run = [String: [ScoredDocument]]

/// A metric and its cutoff. `description` is the name used in reports and JSON ("nDCG@10").
public enum RetrievalMetric: Hashable, Sendable, CustomStringConvertible {
    /// trec_eval `ndcg_cut.k`: gain = the qrels grade, discount log2(rank + 1), ideal from all judged grades.
    case ndcg(cutoff: Int)
    /// trec_eval `recall.k`: relevant documents in the top k over all relevant documents.
    case recall(cutoff: Int)
    /// trec_eval `P.k`: relevant documents in the top k over k (not over the number retrieved).
    case precision(cutoff: Int)
    /// BEIR `MRR@k`: 1 / rank of the first relevant document within the top k, else 0.
    case mrr(cutoff: Int)
    /// trec_eval `map`: mean of the precision at the rank of every relevant document retrieved, over
    /// all relevant documents, for the whole ranking given (so the run's depth limits it).
    case averagePrecision

    /// The metric set `glossa eval` reports: nDCG@10, Recall@100, MRR@10, MAP.
    public static let standard: [RetrievalMetric] = [.ndcg(cutoff: 10), .recall(cutoff: 100), .mrr(cutoff: 10),
                                                     .averagePrecision]

    public var description: String {
        switch self {
        case .ndcg(let k): return "nDCG@\(k)"
        case .recall(let k): return "Recall@\(k)"
        case .precision(let k): return "P@\(k)"
        case .mrr(let k): return "MRR@\(k)"
        case .averagePrecision: return "MAP"
        }
    }

    /// The metric's value for one query.
    ///
    /// - Parameters:
    ///   - grades: the judged grade of each retrieved document in rank order (nil = unjudged), as made by
    ///     `TrecRanking.grades(of:judgments:)`.
    ///   - judgments: every judgment for the query (document id → grade).
    /// - Returns: a value in [0, 1]; 0 for a query without relevant documents (as trec_eval does).
    /// - Complexity: O(n) in the ranking, plus O(j log j) in the judgments for nDCG's ideal ordering.
    public func value(grades: [Int?], judgments: [String: Int]) -> Double {
        let relevantCount = judgments.values.count(where: { $0 >= 1 })
        switch self {
        case .ndcg(let k):
            var dcg = 0.0
            for (i, grade) in grades.prefix(k).enumerated() {
                // Only positive grades add gain; "Note: i+2 since doc i has rank i+1" (m_ndcg_cut.c).
                if let grade, grade > 0 { dcg += Double(grade) / log2(Double(i + 2)) }
            }
            let ideal = judgments.values.filter { $0 >= 1 }.sorted(by: >).prefix(k).enumerated()
                .reduce(0.0) { $0 + Double($1.element) / log2(Double($1.offset + 2)) }
            return ideal > 0 ? dcg / ideal : 0
        case .recall(let k):
            guard relevantCount > 0 else { return 0 }
            let found = grades.prefix(k).count(where: { ($0 ?? 0) >= 1 })
            return Double(found) / Double(relevantCount)
        case .precision(let k):
            let found = grades.prefix(k).count(where: { ($0 ?? 0) >= 1 })
            return Double(found) / Double(k)
        case .mrr(let k):
            guard let first = grades.prefix(k).firstIndex(where: { ($0 ?? 0) >= 1 }) else { return 0 }
            return 1 / Double(first + 1)
        case .averagePrecision:
            guard relevantCount > 0 else { return 0 }
            var found = 0
            var sum = 0.0
            for (i, grade) in grades.enumerated() where (grade ?? 0) >= 1 {
                found += 1
                sum += Double(found) / Double(i + 1)
            }
            return sum / Double(relevantCount)
        }
    }
}

/// trec_eval's ordering of a run: score descending, ties broken by document id in *descending* byte
/// order (`comp_sim_docno` in form_res_rels.c). The rank column of a run file is ignored, as there.
public enum TrecRanking {
    /// The documents in trec_eval order. Throws `EvalError.duplicateDocument` when an id repeats.
    public static func ranked(_ documents: [ScoredDocument], query: String) throws -> [ScoredDocument] {
        var seen = Set<String>()
        for document in documents where !seen.insert(document.id).inserted {
            throw EvalError.duplicateDocument(query: query, document: document.id)
        }
        return documents.sorted(by: precedes)
    }

    /// The judged grade of each document of a ranking (nil when unjudged).
    public static func grades(of ranking: [ScoredDocument], judgments: [String: Int]) -> [Int?] {
        ranking.map { judgments[$0.id] }
    }

    /// Whether `a` ranks before `b`: higher score first, then the larger id as strcmp sees it.
    static func precedes(_ a: ScoredDocument, _ b: ScoredDocument) -> Bool {
        if a.score != b.score { return a.score > b.score }
        // strcmp compares bytes, and String's `<` compares canonically; compare UTF-8 bytes instead.
        return b.id.utf8.lexicographicallyPrecedes(a.id.utf8)
    }
}
