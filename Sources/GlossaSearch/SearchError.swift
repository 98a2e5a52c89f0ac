// The one error type of GlossaSearch: bad queries, filters and query files, named with file:line.

/// Errors from searching a collection.
public enum SearchError: Error, CustomStringConvertible {
    /// The query text is empty.
    case emptyQuery(id: String?)
    /// A `--filter` argument is not `key=value`.
    case invalidFilter(String)
    /// A filter holding U+0000, which cannot be compared in SQLite.
    case filterHasNUL(String)
    /// A line of a queries file is unusable.
    case badQueryLine(file: String, line: Int, field: String?, reason: String)
    /// `k` out of range.
    case invalidK(Int)

    public var description: String {
        switch self {
        case .emptyQuery(let id):
            return "The query\(id.map { " '\($0)'" } ?? "") is empty; give some text to search for."
        case .invalidFilter(let text):
            return "Invalid filter '\(text)': write it as key=value (e.g. --filter lang=de); "
                + "nested keys use dots (source.name=wiki)."
        case .filterHasNUL(let text):
            return "The filter '\(text.replacingOccurrences(of: "\u{0}", with: "\\u0000"))' contains a NUL character "
                + "(U+0000), which no stored metadata can hold; remove it."
        case .badQueryLine(let file, let line, let field, let reason):
            return "\(file):\(line):\(field.map { " field '\($0)':" } ?? "") \(reason). "
                + "Queries files are JSON Lines with \"_id\" (or \"id\") and \"text\"."
        case .invalidK(let k):
            return "k = \(k) is out of range; use 1...10000."
        }
    }
}
