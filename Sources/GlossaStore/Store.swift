// The collection database: the source of truth for documents, chunks, vectors and the manifest.
// SQLite through GRDB, WAL journal, 16 KiB pages (a 1,536-byte vector row wastes half of a 4 KiB
// page; 16 KiB pages halved the file and doubled inserts), versioned migrations.
import Foundation
import GRDB

/// A collection's SQLite database.
///
/// Thread safety: `Store` is `Sendable`; reads may run concurrently (WAL), writes are serialised.
/// Every method throws `StoreError` naming the database path and the operation.
public final class Store: Sendable {
    /// The database file path (`:memory:` for in-memory stores).
    public let path: String
    let writer: any DatabaseWriter

    /// SQLite page size for new databases. Has no effect on an existing file.
    public static let pageSize = 16_384

    /// Opens (creating if needed) the database at `path` and runs pending migrations.
    /// - Parameter readOnly: open without write access (for `search`, `info` and `verify` on read-only media).
    public init(path: String, readOnly: Bool = false) throws {
        self.path = path
        var config = Configuration()
        config.readonly = readOnly
        config.busyMode = .timeout(10)
        config.prepareDatabase { db in
            // Must run before the first table exists, i.e. before WAL mode and migrations.
            try db.execute(sql: "PRAGMA page_size = \(Store.pageSize)")
        }
        let folder = (path as NSString).deletingLastPathComponent
        if !folder.isEmpty, !FileManager.default.fileExists(atPath: folder) {
            throw StoreError.cannotOpen(path: path, reason: "the folder \(folder) does not exist")
        }
        if readOnly, !FileManager.default.fileExists(atPath: path) {
            throw StoreError.cannotOpen(path: path, reason: "no such file; create the collection with `glossa index`")
        }
        // access(2) also reports a read-only mount to root, which permission bits do not stop.
        let folderWritable = access(folder.isEmpty ? "." : folder, W_OK) == 0
        if !readOnly, !folderWritable {
            throw StoreError.readOnly(operation: "opening it for writing", path: path)
        }
        do {
            if readOnly, !folderWritable {
                writer = try DatabaseQueue(path: Self.immutableURI(path), configuration: config)
            } else {
                writer = try DatabasePool(path: path, configuration: config)
            }
        } catch let error as DatabaseError {
            throw Store.wrap(error, operation: "opening the database", path: path)
        } catch {
            throw StoreError.cannotOpen(path: path, reason: String(describing: error))
        }
        try migrate(readOnly: readOnly)
    }

    /// SQLite cannot open a WAL database read-only without its -shm file, which it cannot create on read-only
    /// media; a folder nobody can write cannot change under us, so the database is opened as immutable.
    static func immutableURI(_ path: String) -> String {
        "file:\(path.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? path)?immutable=1"
    }

    /// How another connection (an ATTACH) names this database: the path, or on read-only media the immutable URI.
    var attachablePath: String {
        let folder = (path as NSString).deletingLastPathComponent
        return access(folder.isEmpty ? "." : folder, W_OK) == 0 ? path : Self.immutableURI(path)
    }

    /// An in-memory store (tests, and `Store` semantics without a file).
    public init(inMemory: Void = ()) throws {
        path = ":memory:"
        do {
            writer = try DatabaseQueue()
        } catch let error as DatabaseError {
            throw Store.wrap(error, operation: "opening an in-memory database", path: ":memory:")
        }
        try migrate(readOnly: false)
    }

    /// Migrations a read-only open may find missing (see `migrate`).
    static let migrationsOptionalWhenReadOnly: Set<String> = ["v2-lexical", "v3-shard-file-hash"]

    private func migrate(readOnly: Bool) throws {
        let migrator = Store.migrator
        try perform("checking the schema version") {
            try writer.read { db in
                let known = Set(migrator.migrations)
                let applied = try migrator.appliedIdentifiers(db)
                let unknown = applied.subtracting(known)
                if !unknown.isEmpty { throw StoreError.newerSchema(path: path, migrations: unknown.sorted()) }
            }
        }
        if readOnly {
            let pending = try perform("checking the schema version") {
                try writer.read { db in Set(migrator.migrations).subtracting(try migrator.appliedIdentifiers(db)) }
            }
            // A collection from before the lexical index still serves dense searches read-only: its
            // lexical index reads as "not built" (no `lexical_analyzer` in the manifest) until a writable
            // open or `glossa rebuild` adds it; one from before shard fingerprints reads as having none
            // recorded (`shardStates`). Any other pending migration needs a writable open.
            if !pending.isSubset(of: Self.migrationsOptionalWhenReadOnly) {
                throw StoreError.readOnly(operation: "upgrading the schema", path: path)
            }
            return
        }
        try perform("migrating the schema") { try migrator.migrate(writer) }
    }

    // MARK: - Error wrapping

    /// Runs `body`, turning GRDB errors into `StoreError` with `operation` and the path.
    @discardableResult
    func perform<T>(_ operation: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as StoreError {
            throw error
        } catch let error as DatabaseError {
            throw Store.wrap(error, operation: operation, path: path)
        }
    }

    static func wrap(_ error: DatabaseError, operation: String, path: String) -> StoreError {
        switch error.resultCode {
        case .SQLITE_BUSY, .SQLITE_LOCKED: return .locked(operation: operation, path: path)
        case .SQLITE_READONLY: return .readOnly(operation: operation, path: path)
        case .SQLITE_CANTOPEN:
            return .cannotOpen(path: path, reason: error.message ?? "\(error.resultCode)")
        case .SQLITE_FULL: return .diskFull(operation: operation, path: path)
        case .SQLITE_CORRUPT, .SQLITE_NOTADB:
            return .corrupt(operation: operation, path: path, underlying: error.message ?? "\(error.resultCode)")
        default:
            return .sqlite(operation: operation, path: path, underlying: error.message ?? "\(error.resultCode)")
        }
    }

    // MARK: - Manifest

    /// The collection's manifest, or nil for a new, empty database.
    public func manifest() throws -> Manifest? {
        try perform("reading the manifest") {
            try writer.read { db in
                let rows = try Row.fetchAll(db, sql: "SELECT key, value FROM manifest")
                var values: [String: String] = [:]
                for row in rows { values[row["key"]] = row["value"] }
                guard let model = values["model_name"], let dimension = values["dimension"].flatMap(Int.init),
                    let indexType = values["index_type"], let shards = values["shard_count"].flatMap(Int.init),
                    let tokens = values["chunk_tokens"].flatMap(Int.init),
                    let overlap = values["chunk_overlap"].flatMap(Int.init)
                else { return nil }
                return Manifest(
                    modelName: model, dimension: dimension, indexType: indexType, shardCount: shards,
                    chunkTokens: tokens, chunkOverlap: overlap, createdBy: values["created_by"] ?? "unknown",
                    nprobe: values["nprobe"].flatMap(Int.init), precision: values["precision"] ?? "fp32")
            }
        }
    }

    /// Writes the manifest and makes sure one shard row exists per shard.
    public func setManifest(_ manifest: Manifest) throws {
        try perform("writing the manifest") {
            try writer.write { db in
                let pairs: [(String, String)] = [
                    ("model_name", manifest.modelName), ("dimension", String(manifest.dimension)),
                    ("index_type", manifest.indexType), ("shard_count", String(manifest.shardCount)),
                    ("chunk_tokens", String(manifest.chunkTokens)),
                    ("chunk_overlap", String(manifest.chunkOverlap)), ("created_by", manifest.createdBy),
                    ("precision", manifest.precision),
                ]
                for (key, value) in pairs {
                    try db.execute(
                        sql: "INSERT INTO manifest(key, value) VALUES (?, ?) "
                            + "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                        arguments: [key, value])
                }
                for shard in 0..<manifest.shardCount {
                    try db.execute(sql: "INSERT OR IGNORE INTO shard(shard, version) VALUES (?, 0)", arguments: [shard])
                }
            }
        }
    }

    /// Records the nprobe chosen by `rebuild --recall-target` (nil removes it: searches use the default).
    public func setTunedNProbe(_ nprobe: Int?) throws {
        try perform("recording the tuned nprobe") {
            try writer.write { db in
                if let nprobe {
                    try db.execute(
                        sql: "INSERT INTO manifest(key, value) VALUES ('nprobe', ?) "
                            + "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                        arguments: [String(nprobe)])
                } else {
                    try db.execute(sql: "DELETE FROM manifest WHERE key = 'nprobe'")
                }
            }
        }
    }

    // MARK: - Shard states

    /// The SQLite-side state of every shard, ordered by shard number.
    public func shardStates() throws -> [ShardState] {
        try perform("reading shard states") {
            try writer.read { db in
                // A collection from before shard fingerprints, opened read-only, has no file_hash column yet.
                let fileHash = try db.columns(in: "shard").contains { $0.name == "file_hash" } ? "s.file_hash" : "NULL"
                return try Row.fetchAll(
                    db,
                    sql: """
                        SELECT s.shard, s.version, s.indexed_version, \(fileHash) AS file_hash,
                               (SELECT COUNT(*) FROM chunk c WHERE c.shard = s.shard) AS n
                        FROM shard s ORDER BY s.shard
                        """
                ).map { row in
                    ShardState(shard: row["shard"], version: row["version"], indexedVersion: row["indexed_version"],
                               chunkCount: row["n"], fileHash: row["file_hash"])
                }
            }
        }
    }

    /// Records that shard `shard`'s FAISS file now reflects SQLite version `version`, and the file's
    /// fingerprint (`fileHash`, nil when unknown). Call only after the file has been renamed into place.
    public func markIndexed(shard: Int, version: Int64, fileHash: String? = nil) throws {
        try perform("recording the index version of shard \(shard)") {
            try writer.write { db in
                try db.execute(
                    sql: "UPDATE shard SET indexed_version = ?, file_hash = ? WHERE shard = ?",
                    arguments: [version, fileHash, shard])
            }
        }
    }

    /// SQLite's `PRAGMA quick_check`: an empty list when the file's pages, records and indexes are intact,
    /// else SQLite's findings (at most 20). O(database size).
    public func integrityProblems() throws -> [String] {
        try perform("checking the database's integrity") {
            try writer.read { db in
                let rows = try String.fetchAll(db, sql: "PRAGMA quick_check(20)")
                return rows == ["ok"] ? [] : rows
            }
        }
    }

    /// Document and chunk counts.
    public func counts() throws -> (documents: Int, chunks: Int) {
        try perform("counting documents") {
            try writer.read { db in
                let documents = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM document") ?? 0
                let chunks = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM chunk") ?? 0
                return (documents, chunks)
            }
        }
    }

    /// Size in bytes of the database file plus its WAL (0 for in-memory stores).
    public func diskBytes() -> Int64 {
        guard path != ":memory:" else { return 0 }
        var total: Int64 = 0
        for suffix in ["", "-wal", "-shm"] {
            let attributes = try? FileManager.default.attributesOfItem(atPath: path + suffix)
            total += (attributes?[.size] as? NSNumber)?.int64Value ?? 0
        }
        return total
    }

    /// Runs `body` (a bulk import of many transactions) with the writer connection set for throughput:
    /// `synchronous = NORMAL`, so a commit appends to the WAL without an fsync (the WAL is synced at each
    /// checkpoint); checkpoints every 64 MiB of WAL instead of 16; a 64 MiB page cache. In WAL mode NORMAL
    /// keeps every committed transaction across a crash or kill -9 of the process (only a power loss can
    /// roll back the last commits, never corrupt the file; a rerun of the import stores what is missing).
    /// The defaults (FULL, 1,000 pages, 2 MiB) are restored afterwards, also when `body` throws.
    public func withBulkWrites<T>(_ body: () throws -> T) throws -> T {
        guard let pool = writer as? DatabasePool else { return try body() }
        try perform("setting up a bulk write") {
            try pool.writeWithoutTransaction { db in
                try db.execute(
                    sql: "PRAGMA synchronous = NORMAL; PRAGMA wal_autocheckpoint = 4096; PRAGMA cache_size = -65536")
            }
        }
        defer {
            // Restoring a pragma on an open connection cannot fail short of a closed database, which the
            // next write reports with its own error.
            _ = try? pool.writeWithoutTransaction { db in
                try db.execute(
                    sql: "PRAGMA synchronous = FULL; PRAGMA wal_autocheckpoint = 1000; PRAGMA cache_size = -2000")
            }
        }
        return try body()
    }

    /// Flushes the WAL into the main file (after a large ingest).
    public func checkpoint() throws {
        guard let pool = writer as? DatabasePool else { return }
        try perform("checkpointing the WAL") { _ = try pool.writeWithoutTransaction { db in try db.checkpoint(.truncate) } }
    }
}
