// A collection folder: `collection.sqlite` (the source of truth) plus one index file per shard,
// derived from it. Opening checks the model, takes the write lock, and rebuilds any shard file that
// is missing, unreadable or stale (its recorded SQLite version differs from the shard's current one).
public import Foundation
public import GlossaStore
public import GlossaCore
import GlossaIndex
import Synchronization

/// Settings for a new collection; nil means "the default" for a new collection and "keep" for an
/// existing one (a value that differs from the stored one is refused with `settingMismatch`).
public struct CollectionSettings: Sendable {
    public var indexType: String?
    public var shardCount: Int?
    public var chunkTokens: Int?
    public var chunkOverlap: Int?
    /// The encoder precision ("fp32" or "int8") documents are embedded with; recorded at creation, and adding
    /// documents with another precision is refused (one collection's vectors come from one path).
    public var precision: String?

    public init(
        indexType: String? = nil, shardCount: Int? = nil, chunkTokens: Int? = nil, chunkOverlap: Int? = nil,
        precision: String? = nil
    ) {
        self.precision = precision
        self.indexType = indexType
        self.shardCount = shardCount
        self.chunkTokens = chunkTokens
        self.chunkOverlap = chunkOverlap
    }

    public static let defaultIndexType = "flat"
    public static let defaultShardCount = 1
    public static let defaultChunkTokens = 512
    public static let defaultChunkOverlap = 64
}

/// An open collection.
///
/// Thread safety: one writer at a time (`ingest`, `upsert`, `delete`, `persistShards`, `rebuild`; the
/// caller serialises them, and the folder's lock keeps other processes out), any number of concurrent
/// searches, also while a write runs: a search sees each shard before or after a write's change, never
/// half of it.
public final class DocumentCollection: @unchecked Sendable {
    /// The collection folder and its database.
    public let folder: URL
    public let store: Store
    public internal(set) var manifest: Manifest
    let backend: any IndexBackend
    /// One index per shard, loaded (or rebuilt) on open; nil for collections opened with `loadShards: false`.
    /// Guarded by `shardLock`: searches read under it, writers change an index only while holding it alone.
    var shards: [any ShardIndex] = []
    let shardLock = ReadWriteLock()
    /// Writes of this process that have reached SQLite and not yet every loaded index (ingest, upsert, delete,
    /// import: from their first commit to their `syncShards`); one that failed in between stays counted, as
    /// its indexes may lag SQLite until the collection is opened again. While it is above 0, searches read
    /// the vectors they score from SQLite, which drops ids it no longer holds (`searchChunks`).
    private let writesAheadOfIndexes = Mutex(0)
    private let lock: FileLock?
    /// Whether this process holds the write lock (opened `writable`).
    public var isWritable: Bool { lock != nil }
    /// Where progress lines go (nil: silent).
    public var progressEnabled = false
    /// The lexical analyzer deletes use to remove a chunk's terms (ingest and upsert take the encoder's);
    /// nil: a delete uses the analyzer of this collection's last ingest or upsert, and with none either,
    /// marks the lexical index stale, to be rebuilt (see `Store.apply`).
    public let analyzer: (any TermAnalyzer)?
    /// The encoder's analyzer of the last ingest or upsert. Written and read by the (serialised) writer only.
    var writeAnalyzer: (any TermAnalyzer)?
    /// Why each shard file was not used on open and was rebuilt from SQLite instead ("shard 2: …"), for the
    /// CLI and server to report; empty when every file was current.
    public private(set) var shardRepairs: [String] = []

    /// Whether the loaded indexes hold exactly what SQLite holds, as far as this process's writes go.
    var indexesMatchStore: Bool { writesAheadOfIndexes.withLock { $0 == 0 } }

    /// Runs a write that commits to SQLite before it updates the indexes (see `writesAheadOfIndexes`).
    func writingAheadOfIndexes<T>(_ body: () throws -> T) rethrows -> T {
        writesAheadOfIndexes.withLock { $0 += 1 }
        let result = try body()
        writesAheadOfIndexes.withLock { $0 -= 1 }
        return result
    }

    /// The database file inside a collection folder.
    public static func databasePath(_ folder: URL) -> String { folder.appendingPathComponent("collection.sqlite").path }

    /// Whether `folder` holds a collection: a database with a manifest. A database without one is a creation
    /// that was killed before its manifest, which the next writable open with creation settings finishes.
    public static func hasManifest(_ folder: URL) throws -> Bool {
        let path = databasePath(folder)
        guard FileManager.default.fileExists(atPath: path) else { return false }
        let writable = access(folder.path, W_OK) == 0
        return try Store(path: path, readOnly: !writable).manifest() != nil
    }

    /// Opens the collection at `folder`.
    /// - Parameters:
    ///   - model: the encoder's name and dimension; a collection made with another model is refused.
    ///     nil skips the check (info, verify, rebuild need no model).
    ///   - create: settings for creating it when it does not exist (nil: it must exist).
    ///   - writable: take the write lock and repair stale shard files on disk; otherwise open the
    ///     database read-only and rebuild stale shards in memory only.
    ///   - loadShards: false opens only the database (info, verify).
    ///   - analyzer: the lexical analyzer (the encoder's `lexicalAnalyzer`). Opened writable, a lexical
    ///     index that is missing (a collection from before it), stale or built by another analyzer is
    ///     rebuilt from the stored text first, with progress lines when `showProgress`.
    public init(folder: URL, model: (name: String, dimension: Int)?, create: CollectionSettings? = nil,
                writable: Bool, loadShards: Bool = true, backend: any IndexBackend,
                analyzer: (any TermAnalyzer)? = nil, showProgress: Bool = false) throws {
        self.folder = folder
        self.backend = backend
        self.analyzer = analyzer
        let path = Self.databasePath(folder)
        // A database without a manifest is a creation killed between the schema and the manifest (both are
        // single transactions, nothing else is written before the manifest): it is finished like a new one.
        var opened: Store?
        var stored: Manifest?
        if FileManager.default.fileExists(atPath: path) {
            let existing = try Store(path: path, readOnly: !writable)
            stored = try existing.manifest()
            opened = existing
        }
        if let stored, let opened {
            store = opened
            manifest = stored
            if let model, model.name != stored.modelName || model.dimension != stored.dimension {
                throw IngestError.modelMismatch(collection: folder.path, stored: stored.modelName,
                                                storedDimension: stored.dimension, given: model.name,
                                                givenDimension: model.dimension)
            }
            if let create { try Self.check(create, against: stored, collection: folder.path) }
            // Locked only after the model and settings checks, so that a refusal names its real reason.
            lock = writable ? try FileLock(folder: folder) : nil
        } else {
            guard let create, writable, let model, try opened?.counts().documents ?? 0 == 0 else {
                throw IngestError.noSuchCollection(path: folder.path)
            }
            // Every setting is checked before anything is created, so a refused one leaves no folder behind.
            let chunkTokens = create.chunkTokens ?? CollectionSettings.defaultChunkTokens
            let chunkOverlap = create.chunkOverlap ?? CollectionSettings.defaultChunkOverlap
            _ = try Chunker(windowTokens: chunkTokens, overlapTokens: chunkOverlap)
            let shardCount = create.shardCount ?? CollectionSettings.defaultShardCount
            guard (1...4096).contains(shardCount) else {
                throw IngestError.invalidOption(name: "--shards", value: "\(shardCount)", reason: "must be 1...4096")
            }
            let indexType = create.indexType ?? CollectionSettings.defaultIndexType
            try backend.validate(indexType: indexType)
            do {
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            } catch {
                throw IngestError.filesystem(path: folder.path, operation: "create the collection folder", reason: "\(error)")
            }
            lock = try FileLock(folder: folder)
            store = try opened ?? Store(path: path)
            manifest = Manifest(modelName: model.name, dimension: model.dimension, indexType: indexType,
                                shardCount: shardCount, chunkTokens: chunkTokens, chunkOverlap: chunkOverlap,
                                precision: create.precision ?? "fp32")
            try store.setManifest(manifest)
        }
        progressEnabled = showProgress
        if writable, let analyzer { try ensureLexicalIndex(analyzer) }
        if loadShards { try loadAllShards(repair: writable) }
    }

    /// Rebuilds the lexical index from the stored text when it was not built by `analyzer` (never built,
    /// marked stale, or another analyzer version), with a progress line per second when enabled.
    public func ensureLexicalIndex(_ analyzer: any TermAnalyzer) throws {
        guard try store.lexicalIdentity() != analyzer.identity else { return }
        try rebuildLexicalIndex(analyzer)
    }

    func rebuildLexicalIndex(_ analyzer: any TermAnalyzer) throws {
        let progress = ProgressReporter(label: "lexical index \(folder.lastPathComponent)", unit: "chunks",
                                        total: try store.counts().chunks, enabled: progressEnabled)
        try store.rebuildLexical(analyzer: analyzer) { done, _ in progress.advance(by: done - progress.done) }
        progress.finish()
    }

    private static func check(_ settings: CollectionSettings, against stored: Manifest, collection: String) throws {
        let pairs: [(String, String?, String)] = [
            ("--index-type", settings.indexType, stored.indexType),
            ("--shards", settings.shardCount.map(String.init), String(stored.shardCount)),
            ("--chunk-tokens", settings.chunkTokens.map(String.init), String(stored.chunkTokens)),
            ("--chunk-overlap", settings.chunkOverlap.map(String.init), String(stored.chunkOverlap)),
            ("--precision", settings.precision, stored.precision),
        ]
        for (name, given, old) in pairs {
            if let given, given != old {
                throw IngestError.settingMismatch(collection: collection, setting: name, stored: old, given: given)
            }
        }
    }

    /// The file of shard `shard`: `shard-003.faiss`.
    public func shardPath(_ shard: Int) -> String {
        folder.appendingPathComponent(String(format: "shard-%03d.", shard) + backend.fileExtension).path
    }

    // MARK: - Shard loading and rebuilding

    /// Loads every shard, rebuilding from SQLite those that are missing, unreadable, stale or whose
    /// count differs from SQLite's. With `repair`, rebuilt shards are written and recorded.
    func loadAllShards(repair: Bool) throws {
        let states = try store.shardStates()
        var loaded: [any ShardIndex] = []
        var repairs: [String] = []
        for state in states {
            switch loadShard(state) {
            case .success(let index): loaded.append(index)
            case .failure(let reason):
                // Any reason not to trust a shard file means "rebuild it from SQLite", the source of truth.
                if case .refused(let text) = reason { repairs.append("shard \(state.shard): \(text)") }
                loaded.append(try rebuildShard(state.shard, persist: repair))
            }
        }
        shardRepairs = repairs
        shardLock.writing { shards = loaded }
    }

    /// Why a shard file is not used: it is simply absent or behind SQLite (the normal state after a crash or
    /// during writes), or it was refused for a reason worth reporting.
    private enum ShardFileProblem: Error {
        case stale
        case refused(String)
    }

    private func loadShard(_ state: ShardState) -> Result<any ShardIndex, ShardFileProblem> {
        let path = shardPath(state.shard)
        guard state.isCurrent, FileManager.default.fileExists(atPath: path) else { return .failure(.stale) }
        if let recorded = state.fileHash {
            // Checked before parsing: a file from another collection parses fine and holds the same ids.
            guard let actual = ShardFingerprint.of(path: path) else { return .failure(.refused("the file is unreadable")) }
            guard actual == recorded else {
                return .failure(.refused("the file is not the one SQLite recorded (copied from another collection, "
                    + "or changed outside glossa); rebuilt from SQLite"))
            }
        }
        let index: any ShardIndex
        do { index = try backend.read(path: path) } catch {
            return .failure(.refused("\(error); rebuilt from SQLite"))
        }
        guard index.count == state.chunkCount else {
            return .failure(.refused(
                "the file holds \(index.count) vectors but SQLite has \(state.chunkCount) chunks; rebuilt from SQLite"))
        }
        return .success(index)
    }

    /// A fresh index for `shard` built from the stored vectors (trained on them first when the
    /// index type needs it); written and recorded when `persist`.
    @discardableResult
    func rebuildShard(_ shard: Int, persist: Bool) throws -> any ShardIndex {
        let state = try store.shardStates().first { $0.shard == shard }
        let count = state?.chunkCount ?? 0
        let dimension = manifest.dimension
        let index = try backend.make(indexType: manifest.indexType, dimension: dimension, expectedCount: count)
        // An empty shard of a type that needs training stays untrained until it has vectors.
        if !index.isTrained, count > 0 {
            // A strided sample: 65,536 vectors, or 39 per list for the automatic list count of a large shard
            // (faiss's k-means wants at least 39 points per centroid; 1M vectors -> 4,000 lists -> 156,000).
            let sampleSize = max(65_536, IndexSpec.minimumPointsPerList * IndexSpec.automaticListCount(vectorCount: count))
            let step = max(1, count / sampleSize)
            var sample: [Float] = []
            var row = 0
            try store.forEachVectorPage(shard: shard, dimension: dimension) { ids, flat in
                for i in ids.indices {
                    if row % step == 0 { sample += flat[i * dimension..<(i + 1) * dimension] }
                    row += 1
                }
            }
            try wrapIndex(shard, "train") { try index.train(sample) }
        }
        try store.forEachVectorPage(shard: shard, dimension: dimension) { ids, flat in
            try wrapIndex(shard, "add") { try index.add(flat, ids: ids) }
        }
        if persist, let state { try persistShard(shard, index: index, version: state.version) }
        return index
    }

    /// Writes `index` as shard `shard`'s file (temporary name, then rename) and records in SQLite
    /// that the file reflects `version`.
    func persistShard(_ shard: Int, index: any ShardIndex, version: Int64) throws {
        try wrapIndex(shard, "write") { try index.write(to: shardPath(shard)) }
        // Hashed after the rename, so the fingerprint is of exactly the file a later open will find.
        guard let fingerprint = ShardFingerprint.of(path: shardPath(shard)) else {
            throw IngestError.filesystem(path: shardPath(shard), operation: "read back the shard file just written",
                                         reason: String(cString: strerror(errno)))
        }
        try store.markIndexed(shard: shard, version: version, fileHash: fingerprint)
    }

    func wrapIndex<T>(_ shard: Int, _ operation: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as IngestError {
            throw error
        } catch let error as StoreError {
            throw error
        } catch {
            throw IngestError.index(collection: folder.path, shard: shard, operation: operation, message: "\(error)")
        }
    }
}

/// An exclusive advisory lock on `<folder>/.lock`, held while a process writes the collection.
final class FileLock: Sendable {
    private let descriptor: Int32

    init(folder: URL) throws {
        let path = folder.appendingPathComponent(".lock").path
        descriptor = open(path, O_RDWR | O_CREAT, 0o644)
        guard descriptor >= 0 else {
            throw IngestError.filesystem(path: path, operation: "open the lock file",
                                         reason: String(cString: strerror(errno)))
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            close(descriptor)
            throw IngestError.busy(collection: folder.path)
        }
    }

    deinit { close(descriptor) }
}
