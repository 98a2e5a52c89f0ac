// The bulk write path's per-row statements (the document lookup and the document, metadata entry, chunk and
// lexical inserts) bound and stepped through SQLite's C API. GRDB's `execute(arguments:)` builds an array of
// boxed arguments per row, and a chunk's vector was first copied into a `Data`; at a million rows the writer
// thread is the bound of `glossa import`, and that wrapping was a fifth of its time beside SQLite's own work.
// The statements still come from GRDB's statement cache, in GRDB's transaction, on GRDB's connection.
import GRDB
import GRDBSQLite

/// A cached statement of `db`, bound by position (1-based, as SQLite counts) and stepped once.
/// Bindings made with `bind(_:text:)` are copied by SQLite; a vector is bound only for the one step of
/// `insert(vector:at:)`, and the bindings are cleared after every step, so no pointer outlives its value.
struct RawStatement {
    private let handle: OpaquePointer
    private let connection: OpaquePointer?
    private let sql: String

    init(_ db: Database, sql: String) throws {
        handle = try db.cachedStatement(sql: sql).sqliteStatement
        connection = db.sqliteConnection
        self.sql = sql
    }

    func bind(_ position: Int32, _ value: Int64) {
        sqlite3_bind_int64(handle, position, value)
    }

    func bind(_ position: Int32, _ value: Int) {
        sqlite3_bind_int64(handle, position, Int64(value))
    }

    /// Binds `value` as TEXT, or NULL when it is nil.
    func bind(_ position: Int32, text value: String?) {
        guard var value else {
            sqlite3_bind_null(handle, position)
            return
        }
        value.withUTF8 { bind(position, utf8: $0) }
    }

    /// Binds `bytes` as TEXT (copied by SQLite).
    func bind(_ position: Int32, utf8 bytes: UnsafeBufferPointer<UInt8>) {
        guard let base = bytes.baseAddress, !bytes.isEmpty else {
            // "" rather than a NULL pointer, which would bind SQL NULL instead of an empty text.
            sqlite3_bind_text(handle, position, "", 0, Self.transient)
            return
        }
        base.withMemoryRebound(to: CChar.self, capacity: bytes.count) {
            _ = sqlite3_bind_text(handle, position, $0, Int32(bytes.count), Self.transient)
        }
    }

    /// Runs the statement once with the bindings made; for INSERT, UPDATE and DELETE.
    func run() throws {
        defer { clear() }
        let code = sqlite3_step(handle)
        guard code == SQLITE_DONE else { throw failure(code) }
    }

    /// Runs the statement once with `vector` bound at `position` as a BLOB of its float32 bytes (host order:
    /// little-endian on every supported platform, as the vector column stores them), without copying it first
    /// (SQLite reads it during the step; the binding is cleared before this returns).
    func insert(vector: [Float], at position: Int32) throws {
        try vector.withUnsafeBytes { bytes in
            sqlite3_bind_blob(handle, position, bytes.baseAddress, Int32(bytes.count), Self.noCopy)
            try run()
        }
    }

    /// Runs a query once and reads the first row's two integer columns, or nil when it has no row.
    func firstRowIntegers() throws -> (Int64, Int64)? {
        defer { clear() }
        let code = sqlite3_step(handle)
        if code == SQLITE_DONE { return nil }
        guard code == SQLITE_ROW else { throw failure(code) }
        return (sqlite3_column_int64(handle, 0), sqlite3_column_int64(handle, 1))
    }

    private func clear() {
        // reset's result repeats the step's error, which the step already reported.
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
    }

    private func failure(_ code: Int32) -> DatabaseError {
        let message = connection.flatMap { sqlite3_errmsg($0) }.map { String(cString: $0) }
        return DatabaseError(resultCode: ResultCode(rawValue: code), message: message, sql: sql)
    }

    // SQLite's destructor sentinels: -1 "copy the value now", 0 "the value outlives the statement's use".
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
    private static let noCopy: sqlite3_destructor_type? = nil
}
