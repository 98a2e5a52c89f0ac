// IndexSpec: which FAISS index a collection uses, as typed on the command line (flat | ivf[:nlist] |
// hnsw[:M] | <faiss factory string>), and the factory string it becomes for a given collection size.

/// The kind of vector index. Every kind uses inner product on L2-normalised vectors (cosine similarity).
///
/// Text form (`init(parsing:)` / `description`, a round trip): `flat`, `ivf`, `ivf:4096`, `ivf-sq8`,
/// `ivf-sq8:4096`, `ivf-pq`, `ivf-pq:4096`, `hnsw`, `hnsw:32`, or any faiss `index_factory` string
/// (`IVF1024,SQ8`), which is taken verbatim. The keywords are lowercase; faiss's
/// own spellings (`Flat`, `HNSW32`) are factory strings.
public enum IndexSpec: Sendable, Hashable, CustomStringConvertible, LosslessStringConvertible {
    /// Exact search over every vector (Glossa's sgemm kernel; see `VectorIndex.search`).
    case flat
    /// Inverted file with flat lists; `nlist == nil` picks the list count from the collection size.
    case ivf(nlist: Int?)
    /// Inverted file with 8-bit scalar-quantised vectors (1 byte per component: a quarter of flat's memory).
    case ivfSQ8(nlist: Int?)
    /// Inverted file with product-quantised residuals: `PQ{m}x8`, m = dimension / 8 sub-vectors of 8
    /// components, one byte each (384-d: 48 bytes + 8 for the id, 1/27 of flat's memory); the collection
    /// re-scores a deep candidate list exactly (see `candidateCount`).
    case ivfPQ(nlist: Int?)
    /// HNSW graph with `m` neighbours per node.
    case hnsw(m: Int)
    /// A faiss `index_factory` string, used as given.
    case factory(String)

    /// HNSW's neighbour count when `hnsw` is given without `:M`.
    public static let defaultHNSWNeighbors = 32
    /// faiss's k-means warns below 39 training points per centroid; `ivf` keeps at least this many per list.
    public static let minimumPointsPerList = 39

    /// Parses the command-line form. Throws `IndexError.invalidSpec` naming the text and the problem.
    public init(parsing text: String) throws(IndexError) {
        let trimmed = text.trimmingWhitespace()
        guard !trimmed.isEmpty else {
            throw .invalidSpec(text, reason: "it is empty")
        }
        let parts = trimmed.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        let keyword = String(parts[0])
        let argument = parts.count > 1 ? String(parts[1]) : nil
        switch keyword {
        case "flat":
            guard argument == nil else { throw .invalidSpec(text, reason: "flat takes no ':' argument") }
            self = .flat
        case "ivf":
            guard let argument else {
                self = .ivf(nlist: nil)
                return
            }
            self = .ivf(nlist: try Self.positiveInteger(argument, in: text, naming: "the number of lists"))
        case "ivf-sq8", "ivf-pq":
            var nlist: Int?
            if let argument { nlist = try Self.positiveInteger(argument, in: text, naming: "the number of lists") }
            self = keyword == "ivf-sq8" ? .ivfSQ8(nlist: nlist) : .ivfPQ(nlist: nlist)
        case "hnsw":
            guard let argument else {
                self = .hnsw(m: Self.defaultHNSWNeighbors)
                return
            }
            self = .hnsw(m: try Self.positiveInteger(argument, in: text, naming: "the neighbour count M"))
        default:
            self = .factory(trimmed)
        }
    }

    /// `LosslessStringConvertible`: nil where `init(parsing:)` throws.
    public init?(_ description: String) {
        do {
            self = try IndexSpec(parsing: description)
        } catch {
            return nil
        }
    }

    /// The command-line form; `IndexSpec(parsing: spec.description) == spec` for every spec built by parsing.
    public var description: String {
        switch self {
        case .flat: return "flat"
        case .ivf(nlist: nil): return "ivf"
        case .ivf(nlist: let nlist?): return "ivf:\(nlist)"
        case .ivfSQ8(let nlist): return "ivf-sq8" + (nlist.map { ":\($0)" } ?? "")
        case .ivfPQ(let nlist): return "ivf-pq" + (nlist.map { ":\($0)" } ?? "")
        case .hnsw(let m): return "hnsw:\(m)"
        case .factory(let string): return string
        }
    }

    /// The faiss `index_factory` string for a collection of about `vectorCount` vectors.
    ///
    /// `ivf` without a list count uses ~4·sqrt(n) lists, but never fewer than `minimumPointsPerList` vectors per
    /// list (so small collections get few lists) and at least 1. `flat` is `"Flat"`, which CFaiss wraps in
    /// IndexIDMap2 so that caller ids work.
    public func factoryString(vectorCount: Int, dimension: Int = 384) -> String {
        switch self {
        case .flat:
            return "Flat"
        case .ivf(let nlist):
            return "IVF\(nlist ?? Self.automaticListCount(vectorCount: vectorCount)),Flat"
        case .ivfSQ8(let nlist):
            return "IVF\(nlist ?? Self.automaticListCount(vectorCount: vectorCount)),SQ8"
        case .ivfPQ(let nlist):
            return "IVF\(nlist ?? Self.automaticListCount(vectorCount: vectorCount)),PQ\(Self.pqSubvectors(dimension: dimension))x8"
        case .hnsw(let m):
            return "HNSW\(m)"
        case .factory(let string):
            return string
        }
    }

    /// PQ sub-vector count: the largest m ≤ dimension / 8 that divides the dimension (48 for 384). Eight
    /// components per sub-vector halves faiss's PQ training time against four (one k-means per sub-vector).
    public static func pqSubvectors(dimension: Int) -> Int {
        var m = max(1, dimension / 8)
        while m > 1, dimension % m != 0 { m -= 1 }
        return m
    }

    /// Candidates to ask each shard for when `k` results are wanted: the index's own scores only choose
    /// candidates, which the collection re-scores exactly from the stored float32 vectors. Exact-score
    /// indexes need k + 8 (rounding near the k-th score); SQ8's ~0.4 % score error needs a little more; PQ's
    /// coarse scores need a deep list, deeper as the collection grows denser: on real-neighbourhood mE5
    /// vectors (Benchmarks/run-scale.sh) PQ48 re-scored from 10·k candidates reached recall@10 0.869 at 100k,
    /// from 50·k 0.971 at 100k but 0.940 at 1M, from 100·k 0.976 at 1M (nprobe nlist/8, SQ8/PQ's default;
    /// Benchmarks/results/scale.md), so 100·k. Re-scoring reads each candidate's vector from SQLite: the deep
    /// list is what PQ's latency is made of (p50 19 ms at 50·k, 60 ms at 100·k, 1M, load ~10).
    public func candidateCount(k: Int) -> Int {
        switch self {
        case .flat, .ivf, .hnsw: return k + 8
        case .ivfSQ8: return max(k + 8, 2 * k)
        case .ivfPQ: return max(k + 8, 100 * k)
        case .factory(let string):
            let upper = string.uppercased()
            if upper.contains("PQ") { return max(k + 8, 100 * k) }
            if upper.contains("SQ") { return max(k + 8, 2 * k) }
            return k + 8
        }
    }

    /// ~4·sqrt(n) lists, clamped to [1, n / minimumPointsPerList].
    public static func automaticListCount(vectorCount: Int) -> Int {
        let n = max(0, vectorCount)
        let bySize = Int((4 * Double(n).squareRoot()).rounded())
        return max(1, min(bySize, n / minimumPointsPerList))
    }

    private static func positiveInteger(_ argument: String, in text: String, naming what: String) throws(IndexError)
        -> Int
    {
        guard let value = Int(argument), value > 0 else {
            throw .invalidSpec(text, reason: "\(what) '\(argument)' is not a positive integer")
        }
        return value
    }
}

extension String {
    fileprivate func trimmingWhitespace() -> String {
        var slice = Substring(self)
        while let first = slice.first, first.isWhitespace { slice.removeFirst() }
        while let last = slice.last, last.isWhitespace { slice.removeLast() }
        return String(slice)
    }
}
