// Search modes and the fusion of a dense and a lexical ranking into one (hybrid search): reciprocal
// rank fusion (Cormack et al. 2009) and a convex combination of min-max-normalised scores (Bruch et
// al. 2023, "An Analysis of Fusion Functions for Hybrid Retrieval"). Pure arithmetic over document
// ids, so it is tested against hand-computed values.

/// Which side(s) of the collection a search asks.
public enum SearchMode: String, Sendable, CaseIterable, CustomStringConvertible {
    /// mE5 vectors only (cosine similarity scores).
    case dense
    /// The lexical index only (bm25() scores, higher is better).
    case lexical
    /// Both, the top `Fusion.depth` documents of each fused by a `Fusion`.
    case hybrid

    public var description: String { rawValue }
}

/// How hybrid search fuses the two ranked lists.
public enum Fusion: Sendable, Equatable, CustomStringConvertible {
    /// Σ 1 / (k + rank) over the lists a document is in, rank from 1.
    case rrf(k: Int)
    /// alpha · dense' + (1 − alpha) · lexical', each side's scores min-max-normalised over its own list
    /// (a list whose scores are all equal normalises to 1); a document absent from a side gets 0 there.
    case convex(alpha: Double)

    /// Documents taken from each side before fusing (or k, when k is larger).
    public static let depth = 100

    /// The default: the convex combination at α = 0.5, which beat RRF (k = 60) in every XQuAD language
    /// (eval/hybrid.md).
    public static let standard = Fusion.convex(alpha: 0.5)

    /// Parses `rrf`, `rrf:K`, `convex` (α = 0.5) or `convex:ALPHA` with 0 ≤ α ≤ 1.
    public init(parsing text: String) throws {
        let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
        switch parts.first {
        case "rrf":
            guard parts.count == 1 || Int(parts[1]).map({ $0 >= 0 }) == true else {
                throw SearchError.invalidFusion(text)
            }
            self = .rrf(k: parts.count == 1 ? 60 : Int(parts[1]) ?? 60)
        case "convex":
            let alpha = parts.count == 1 ? 0.5 : Double(parts[1])
            guard let alpha, (0...1).contains(alpha) else { throw SearchError.invalidFusion(text) }
            self = .convex(alpha: alpha)
        default:
            throw SearchError.invalidFusion(text)
        }
    }

    public var description: String {
        switch self {
        case .rrf(let k): return "rrf:\(k)"
        case .convex(let alpha): return "convex:\(alpha)"
        }
    }

    /// Fuses two rankings (best first, ids unique within each) into one, best first; ties by id in
    /// UTF-8 byte order. An empty lexical list gives the dense list unchanged (a query with no lexical
    /// match is a dense query), and an empty dense list the lexical one.
    public func fuse(dense: [(id: String, score: Double)], lexical: [(id: String, score: Double)])
        -> [(id: String, score: Double)]
    {
        if lexical.isEmpty { return dense }
        if dense.isEmpty { return lexical }
        var fused: [String: Double] = [:]
        switch self {
        case .rrf(let k):
            for list in [dense, lexical] {
                for (rank, item) in list.enumerated() { fused[item.id, default: 0] += 1 / Double(k + rank + 1) }
            }
        case .convex(let alpha):
            for (list, weight) in [(dense, alpha), (lexical, 1 - alpha)] {
                let scores = list.map(\.score)
                let low = scores.min() ?? 0, high = scores.max() ?? 0
                for item in list {
                    let normalised = high > low ? (item.score - low) / (high - low) : 1
                    fused[item.id, default: 0] += weight * normalised
                }
            }
        }
        return fused.map { (id: $0.key, score: $0.value) }.sorted {
            $0.score != $1.score ? $0.score > $1.score : $0.id.utf8.lexicographicallyPrecedes($1.id.utf8)
        }
    }
}
