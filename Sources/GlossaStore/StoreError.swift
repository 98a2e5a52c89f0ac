// The one error type of GlossaStore: every case names the database file and the operation,
// and wraps the SQLite error instead of replacing it (GRDB keeps `sql` beside the code).

/// Errors from the collection database.
public enum StoreError: Error, CustomStringConvertible {
    /// SQLite failed during `operation` on the database at `path`; `underlying` is the SQLite message.
    case sqlite(operation: String, path: String, underlying: String)
    /// The database cannot be opened at all (missing folder, not a database, permissions).
    case cannotOpen(path: String, reason: String)
    /// The database is locked by another process (another `glossa index` is running).
    case locked(operation: String, path: String)
    /// The database or its folder is read-only and `operation` needs to write.
    case readOnly(operation: String, path: String)
    /// The database was written by a newer Glossa (unknown migrations).
    case newerSchema(path: String, migrations: [String])
    /// A stored vector has the wrong byte length for the collection's dimension.
    case corruptVector(path: String, chunkID: Int64, bytes: Int, dimension: Int)
    /// A vector passed in has the wrong number of components.
    case dimensionMismatch(path: String, expected: Int, got: Int)
    /// Stored metadata is not a JSON object.
    case invalidMetadata(path: String, externalID: String, reason: String)
    /// The disk holding the database filled up during `operation` (SQLITE_FULL); the transaction was rolled back.
    case diskFull(operation: String, path: String)
    /// SQLite found the file damaged (SQLITE_CORRUPT, or not a database at all) during `operation`.
    case corrupt(operation: String, path: String, underlying: String)

    public var description: String {
        switch self {
        case .sqlite(let operation, let path, let underlying):
            return "SQLite error while \(operation) in \(path): \(underlying)."
        case .cannotOpen(let path, let reason):
            return "Cannot open the collection database \(path): \(reason)."
        case .locked(let operation, let path):
            return "The collection database \(path) is locked (while \(operation)); "
                + "another glossa process is probably writing to it. Wait for it to finish and retry."
        case .readOnly(let operation, let path):
            return "The collection database \(path) is read-only (its file, folder or file system cannot be written), "
                + "so \(operation) is impossible; searching it still works. Check the permissions and the mount."
        case .newerSchema(let path, let migrations):
            return "The collection database \(path) was written by a newer Glossa (unknown migrations: "
                + "\(migrations.joined(separator: ", "))); upgrade glossa to open it."
        case .corruptVector(let path, let chunkID, let bytes, let dimension):
            return "Chunk \(chunkID) in \(path) has a \(bytes)-byte vector, expected \(dimension * 4) bytes "
                + "(dimension \(dimension)); the database is damaged, re-index the affected documents."
        case .dimensionMismatch(let path, let expected, let got):
            return "A vector of dimension \(got) cannot be stored in \(path), whose dimension is \(expected)."
        case .invalidMetadata(let path, let externalID, let reason):
            return "Document '\(externalID)' in \(path) has invalid metadata: \(reason)."
        case .diskFull(let operation, let path):
            return "The disk holding \(path) is full (while \(operation)); the unfinished transaction was rolled "
                + "back and everything committed before it is intact. Free some space and run the same command again."
        case .corrupt(let operation, let path, let underlying):
            return "The collection database \(path) is damaged (while \(operation): \(underlying)); glossa will not "
                + "answer from it. Restore the collection folder from a backup, or delete it and index the documents again."
        }
    }
}
