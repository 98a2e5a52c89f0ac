// The one error type of GlossaCollection: every case names the collection folder, input file,
// line or field concerned, and says what to do next.

/// Errors from creating, filling, opening, rebuilding or verifying a collection.
public enum IngestError: Error, CustomStringConvertible {
    /// An input line or file is unusable (`--strict` turns skipped problems into this error).
    case badInput(file: String, line: Int?, field: String?, reason: String)
    /// The input path does not exist or has a format Glossa does not read.
    case unreadableInput(path: String, reason: String)
    /// The collection was made with another model or dimension.
    case modelMismatch(collection: String, stored: String, storedDimension: Int, given: String, givenDimension: Int)
    /// A setting given now conflicts with the one the collection was created with.
    case settingMismatch(collection: String, setting: String, stored: String, given: String)
    /// The collection folder has no database yet.
    case noSuchCollection(path: String)
    /// Another process holds the collection's write lock.
    case busy(collection: String)
    /// A FAISS operation on a shard failed (`operation` names it).
    case index(collection: String, shard: Int, operation: String, message: String)
    /// An argument is out of range (chunk sizes, shard count, index type).
    case invalidOption(name: String, value: String, reason: String)
    /// The folder cannot be created or written.
    case filesystem(path: String, operation: String, reason: String)
    /// A bundle (`glossa import`) is unusable: `file` is the bundle file concerned, `line` the 1-based line of
    /// rows.jsonl, `row` the 0-based vector row of vectors.f32.npy. Nothing of the bundle is stored then.
    case bundle(file: String, line: Int? = nil, row: Int? = nil, reason: String)

    public var description: String {
        switch self {
        case .badInput(let file, let line, let field, let reason):
            let place = line.map { "\(file):\($0)" } ?? file
            let what = field.map { " field '\($0)':" } ?? ""
            return "\(place):\(what) \(reason). Fix the input, or drop --strict to skip bad lines and count them."
        case .unreadableInput(let path, let reason):
            return "Cannot read input \(path): \(reason). Inputs are .jsonl files ({\"id\",\"text\",\"title\"?,"
                + "\"metadata\"?} or BEIR {\"_id\",\"title\",\"text\"}), .tsv files (id<TAB>text) or folders of .txt/.md."
        case .modelMismatch(let collection, let stored, let storedDimension, let given, let givenDimension):
            return "The collection \(collection) was built with model '\(stored)' (dimension \(storedDimension)), "
                + "but the model given is '\(given)' (dimension \(givenDimension)); vectors from different models "
                + "cannot be mixed. Pass --model with the original model, or index into a new collection."
        case .settingMismatch(let collection, let setting, let stored, let given):
            return "The collection \(collection) was created with \(setting) = \(stored), not \(given). "
                + "Leave the option out to keep \(stored), or index into a new collection."
        case .noSuchCollection(let path):
            return "There is no collection at \(path); create it with `glossa index \(path) <input>`."
        case .busy(let collection):
            return "The collection \(collection) is being written by another glossa process; wait for it to finish."
        case .index(let collection, let shard, let operation, let message):
            return "FAISS \(operation) failed on shard \(shard) of \(collection): \(message). "
                + "`glossa rebuild \(collection)` recreates every shard from the stored vectors."
        case .invalidOption(let name, let value, let reason):
            return "Invalid \(name) '\(value)': \(reason)."
        case .filesystem(let path, let operation, let reason):
            return "Cannot \(operation) \(path): \(reason)."
        case .bundle(let file, let line, let row, let reason):
            let place = line.map { "\(file):\($0)" } ?? row.map { "\(file) row \($0)" } ?? file
            return "\(place): \(reason). The bundle was refused and nothing of it was stored; "
                + "fix or re-export it (see README, \"Bundles\")."
        }
    }
}
