// IndexSpec: which FAISS index a collection uses, as typed on the command line (flat | ivf[:nlist] |
// hnsw[:M] | <faiss factory string>), and the factory string it becomes for a given collection size.

/// The kind of vector index. Every kind uses inner product on L2-normalised vectors (cosine similarity).
///
/// Text form (`init(parsing:)` / `description`, a round trip): `flat`, `ivf`, `ivf:4096`, `hnsw`, `hnsw:32`, or
/// any faiss `index_factory` string (`IVF1024,SQ8`), which is taken verbatim. The keywords are lowercase; faiss's
/// own spellings (`Flat`, `HNSW32`) are factory strings.
public enum IndexSpec: Sendable, Hashable, CustomStringConvertible, LosslessStringConvertible {
    /// Exact search over every vector (Glossa's sgemm kernel; see `VectorIndex.search`).
    case flat
    /// Inverted file with flat lists; `nlist == nil` picks the list count from the collection size.
    case ivf(nlist: Int?)
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
        case .hnsw(let m): return "hnsw:\(m)"
        case .factory(let string): return string
        }
    }

    /// The faiss `index_factory` string for a collection of about `vectorCount` vectors.
    ///
    /// `ivf` without a list count uses ~4·sqrt(n) lists, but never fewer than `minimumPointsPerList` vectors per
    /// list (so small collections get few lists) and at least 1. `flat` is `"Flat"`, which CFaiss wraps in
    /// IndexIDMap2 so that caller ids work.
    public func factoryString(vectorCount: Int) -> String {
        switch self {
        case .flat:
            return "Flat"
        case .ivf(let nlist):
            return "IVF\(nlist ?? Self.automaticListCount(vectorCount: vectorCount)),Flat"
        case .hnsw(let m):
            return "HNSW\(m)"
        case .factory(let string):
            return string
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
