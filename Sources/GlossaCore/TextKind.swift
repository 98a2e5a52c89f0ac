// The mE5 input conventions: which prefix a text gets before tokenisation.
// Every caller (tokenize, embed, index, search, eval) goes through `TextKind.apply(to:)` so the
// prefixes live in exactly one place.

/// What role a text plays for the mE5 family, and so which prefix it gets.
///
/// Reference: the multilingual-e5 model cards ("query: " / "passage: "), and for
/// `multilingual-e5-large-instruct` the template `Instruct: {task}\nQuery: {q}`.
public enum TextKind: Sendable, Hashable {
    /// A search query: `"query: " + text`. Also used for both sides of bitext mining.
    case query
    /// A document or chunk: `"passage: " + text`.
    case passage
    /// A query for an instruct model: `"Instruct: {task}\nQuery: {text}"`.
    case instructedQuery(task: String)
    /// No prefix at all (for tokenizer parity tests and raw experiments).
    case none

    /// Returns `text` with this kind's prefix. Pure string concatenation; never normalises.
    public func apply(to text: String) -> String {
        switch self {
        case .query: return "query: " + text
        case .passage: return "passage: " + text
        case .instructedQuery(let task): return "Instruct: " + task + "\nQuery: " + text
        case .none: return text
        }
    }
}
