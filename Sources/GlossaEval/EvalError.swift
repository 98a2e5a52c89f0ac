// The one error type of GlossaEval: every case names the file (and line, query or document) it is
// about, and its description says what to do, so a bad qrels file is never a bare parse failure.

/// Errors from reading evaluation inputs (BEIR queries and qrels, XQuAD-R JSON, Tatoeba files),
/// from metric inputs that trec_eval would reject, and from the embedding cache.
public enum EvalError: Error, CustomStringConvertible, Equatable {
    /// A file could not be opened or read.
    case unreadable(path: String, reason: String)
    /// A line of a line-oriented file (JSONL, TSV, TREC run) is malformed.
    case malformedLine(path: String, line: Int, reason: String)
    /// The same id appears twice where ids must be unique (queries, qrels pairs, corpus).
    case duplicateID(path: String, line: Int, id: String)
    /// A ranking lists the same document twice for one query (trec_eval rejects this too).
    case duplicateDocument(query: String, document: String)
    /// A JSON document (XQuAD-R) lacks a field, has a wrong type or an offset out of range.
    case malformedDataset(path: String, reason: String)
    /// Two inputs that must line up do not (bitext sides, embeddings and texts).
    case mismatch(what: String, expected: Int, actual: Int)
    /// A file could not be written.
    case writeFailed(path: String, reason: String)
    /// The embedder failed; the underlying error is kept.
    case embedding(what: String, underlying: String)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason):
            return "Cannot read \(path): \(reason). Check the path and its permissions."
        case .malformedLine(let path, let line, let reason):
            return "\(path):\(line): \(reason). Fix the line or regenerate the file."
        case .duplicateID(let path, let line, let id):
            return "\(path):\(line): id '\(id)' appears a second time; ids must be unique in this file."
        case .duplicateDocument(let query, let document):
            return "The ranking for query '\(query)' lists document '\(document)' twice; "
                + "a run must list each document at most once per query."
        case .malformedDataset(let path, let reason):
            return "\(path) is not a valid XQuAD-R (SQuAD-format with sentence_breaks) file: \(reason)."
        case .mismatch(let what, let expected, let actual):
            return "\(what): expected \(expected) but found \(actual). The inputs do not belong together."
        case .writeFailed(let path, let reason):
            return "Cannot write \(path): \(reason). Check free space and permissions."
        case .embedding(let what, let underlying):
            return "Embedding \(what) failed: \(underlying)"
        }
    }
}
