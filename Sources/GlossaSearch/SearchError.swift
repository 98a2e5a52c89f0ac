// The one error type of GlossaSearch: bad queries, filters and query files, named with file:line.

/// Errors from searching a collection.
public enum SearchError: Error, CustomStringConvertible {
    /// The query text is empty.
    case emptyQuery(id: String?)
    /// A `--filter` argument is not `key=value`.
    case invalidFilter(String)
    /// A line of a queries file is unusable.
    case badQueryLine(file: String, line: Int, field: String?, reason: String)
    /// `k` out of range.
    case invalidK(Int)
    /// A `--fusion` argument is not `rrf`, `rrf:K`, `convex` or `convex:ALPHA`.
    case invalidFusion(String)
    /// A lexical or hybrid search on a collection whose lexical index is missing or was built by another
    /// analyzer (`built` names it; nil: never built).
    case lexicalIndexNotReady(collection: String, built: String?, expected: String)
    /// A hybrid search was given a different number of vectors than queries.
    case vectorCountMismatch(queries: Int, vectors: Int)

    public var description: String {
        switch self {
        case .emptyQuery(let id):
            return "The query\(id.map { " '\($0)'" } ?? "") is empty; give some text to search for."
        case .invalidFilter(let text):
            return "Invalid filter '\(text)': write it as key=value (e.g. --filter lang=de); "
                + "nested keys use dots (source.name=wiki)."
        case .badQueryLine(let file, let line, let field, let reason):
            return "\(file):\(line):\(field.map { " field '\($0)':" } ?? "") \(reason). "
                + "Queries files are JSON Lines with \"_id\" (or \"id\") and \"text\"."
        case .invalidK(let k):
            return "k = \(k) is out of range; use 1...10000."
        case .invalidFusion(let text):
            return "Invalid fusion '\(text)': use rrf, rrf:K (K >= 0), convex or convex:ALPHA with 0 <= ALPHA <= 1."
        case .lexicalIndexNotReady(let collection, let built, let expected):
            return "The lexical index of \(collection) "
                + (built.map { "was built by '\($0)', not by this analyzer ('\(expected)')" } ?? "is not built")
                + "; run `glossa rebuild \(collection)` (or open it for writing, e.g. `glossa index`) to build it."
        case .vectorCountMismatch(let queries, let vectors):
            return "\(queries) queries were given with \(vectors) vectors; give one vector per query."
        }
    }
}
