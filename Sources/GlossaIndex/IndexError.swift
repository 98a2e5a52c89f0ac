// IndexError: the one error type of GlossaIndex. Every case names the operation or file it concerns and
// its description says what to do; faiss's own message is kept beside the operation, never replaced.

/// Errors thrown by `VectorIndex` and `IndexSpec`.
public enum IndexError: Error, CustomStringConvertible, Sendable {
    /// An index specification (`--index` value) that cannot be parsed.
    case invalidSpec(String, reason: String)
    /// faiss (through CFaiss) reported a failure in `operation` (e.g. "add_with_ids").
    case faiss(operation: String, message: String)
    /// A flat `[Float]` buffer whose length is not a multiple of the index dimension.
    case dimensionMismatch(operation: String, dimension: Int, floatCount: Int)
    /// `add(_:ids:)` got a different number of ids than vectors.
    case idCountMismatch(vectors: Int, ids: Int)
    /// An argument out of range (k < 1, dimension < 1, ...).
    case invalidArgument(operation: String, reason: String)
    /// The index must be trained (IVF) before vectors are added.
    case notTrained(operation: String)
    /// An index file that faiss cannot read back, or whose structure is inconsistent.
    case corruptFile(path: String, message: String)
    /// The index file could not be written or moved into place.
    case writeFailed(path: String, message: String)

    public var description: String {
        switch self {
        case .invalidSpec(let text, let reason):
            return "Invalid index specification '\(text)': \(reason). "
                + "Use flat, ivf, ivf:<nlist>, hnsw, hnsw:<M> or a faiss factory string such as 'IVF1024,Flat'."
        case .faiss(let operation, let message):
            return "FAISS failed in \(operation): \(message)"
        case .dimensionMismatch(let operation, let dimension, let floatCount):
            return "\(operation): got \(floatCount) floats, which is not a whole number of \(dimension)-dimensional "
                + "vectors; pass vectors flattened row by row, each of length \(dimension)."
        case .idCountMismatch(let vectors, let ids):
            return "add: got \(vectors) vectors but \(ids) ids; pass exactly one id per vector."
        case .invalidArgument(let operation, let reason):
            return "\(operation): \(reason)."
        case .notTrained(let operation):
            return "\(operation): the index is not trained; call train(_:) with a sample of vectors first "
                + "(IVF needs at least as many training vectors as lists)."
        case .corruptFile(let path, let message):
            return "The index file \(path) is corrupt or not a FAISS index (\(message)); "
                + "rebuild the index from the stored vectors."
        case .writeFailed(let path, let message):
            return "Could not write the index file \(path): \(message); check that the folder exists and is writable."
        }
    }
}
