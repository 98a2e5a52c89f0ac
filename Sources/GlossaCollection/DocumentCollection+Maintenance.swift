// rebuild (every shard file from the stored vectors, optionally with a new index type or shard
// count; no re-encoding), verify (SQLite and the shard files agree) and info.
import Foundation
import GlossaStore
public import GlossaCore

/// The outcome of `verify`: empty `problems` means SQLite and every shard file agree.
public struct VerifyReport: Sendable, CustomStringConvertible {
    public struct Shard: Sendable {
        public var shard: Int
        public var storedChunks: Int
        public var indexedVectors: Int?
    }
    public var documents = 0
    public var chunks = 0
    public var shards: [Shard] = []
    /// Chunks with a row in the lexical index (nil when it is not built).
    public var lexicalChunks: Int?
    public var problems: [String] = []
    public var isConsistent: Bool { problems.isEmpty }

    public var description: String {
        var lines = ["\(documents) documents, \(chunks) chunks in \(shards.count) shards"
            + (lexicalChunks.map { ", \($0) in the lexical index" } ?? "")]
        for shard in shards {
            lines.append("  shard \(shard.shard): \(shard.storedChunks) stored, "
                         + (shard.indexedVectors.map { "\($0) indexed" } ?? "no readable index"))
        }
        lines.append(problems.isEmpty
            ? "OK: SQLite, every shard file and the lexical index agree." : "\(problems.count) problem(s):")
        lines += problems.map { "  - " + $0 }
        return lines.joined(separator: "\n")
    }
}

/// What `glossa info` shows.
public struct CollectionInfo: Sendable, Codable {
    public var path: String
    public var documents: Int
    public var chunks: Int
    public var model: String
    public var dimension: Int
    public var indexType: String
    public var chunkTokens: Int
    public var chunkOverlap: Int
    public var shardChunks: [Int]
    public var shardFileBytes: [Int64]
    /// Bytes each shard's index holds in memory once loaded (nil: the file is missing, stale or unreadable).
    public var shardMemoryBytes: [Int64?]
    /// IVF: the nprobe searches use by default (tuned by `rebuild --recall-target`), nil when not tuned.
    public var nprobe: Int?
    /// The encoder precision the collection was built with ("fp32" or "int8").
    public var precision: String
    public var databaseBytes: Int64
    public var totalBytes: Int64
}

extension DocumentCollection {
    /// Rebuilds every shard file from the stored vectors, and the lexical index from the stored text
    /// with `analyzer` (always, even when current: `rebuild` is the repair). A new `indexType` is
    /// validated first and recorded; a new `shardCount` moves documents to their new shards (in one
    /// transaction) first.
    /// Returns the seconds the lexical index took (nil: no analyzer, not rebuilt) and the shards took.
    @discardableResult
    public func rebuild(indexType: String? = nil, shardCount: Int? = nil, analyzer: (any TermAnalyzer)? = nil) throws
        -> (lexicalSeconds: Double?, shardSeconds: Double)
    {
        var lexicalSeconds: Double?
        if let analyzer = analyzer ?? self.analyzer {
            let started = Date()
            try rebuildLexicalIndex(analyzer)
            lexicalSeconds = Date().timeIntervalSince(started)
        }
        let started = Date()
        try rebuildShards(indexType: indexType, shardCount: shardCount)
        return (lexicalSeconds, Date().timeIntervalSince(started))
    }

    /// `rebuild(indexType:shardCount:analyzer:)`, then with `recallTarget` the smallest nprobe reaching it is
    /// measured and recorded (`tuneNProbe`); without, a previously tuned nprobe is kept unless the index type
    /// changed.
    @discardableResult
    public func rebuild(indexType: String?, shardCount: Int?, recallTarget: Double?,
                        analyzer: (any TermAnalyzer)? = nil) throws -> TuningReport? {
        if let recallTarget, !(0.0...1.0).contains(recallTarget) {
            throw IngestError.invalidOption(name: "--recall-target", value: "\(recallTarget)", reason: "must be in 0...1")
        }
        _ = try rebuild(indexType: indexType, shardCount: shardCount, analyzer: analyzer)
        return try recallTarget.map { try tuneNProbe(target: $0) }
    }

    private func rebuildShards(indexType: String?, shardCount: Int?) throws {
        if let indexType, indexType != manifest.indexType {
            try backend.validate(indexType: indexType)
            try store.setIndexType(indexType)
        }
        if let shardCount, shardCount != manifest.shardCount {
            guard (1...4096).contains(shardCount) else {
                throw IngestError.invalidOption(name: "--shards", value: "\(shardCount)", reason: "must be 1...4096")
            }
            try store.reshard(count: shardCount) { StableHash.shard(of: $0, shardCount: shardCount) }
        }
        guard let updated = try store.manifest() else { throw IngestError.noSuchCollection(path: folder.path) }
        let oldShardCount = manifest.shardCount
        manifest = updated
        let rebuilt = try (0..<manifest.shardCount).map { try rebuildShard($0, persist: true) }
        shardLock.writing { shards = rebuilt }
        // Files of shards that no longer exist would be stray: remove them.
        for shard in manifest.shardCount..<max(oldShardCount, manifest.shardCount) {
            try? FileManager.default.removeItem(atPath: shardPath(shard))
        }
    }

    /// Checks that SQLite and the shard files on disk agree: every shard file readable and current,
    /// every stored chunk in exactly its document's shard and in that shard's index, no stray ids,
    /// every vector of the right length; and that the lexical index was built by `analyzer`, holds exactly
    /// the stored chunks and exactly the terms `analyzer` makes of their text. Without an analyzer
    /// (nor one given at open) the lexical terms are not re-analysed. Does not repair anything.
    public func verify(analyzer: (any TermAnalyzer)? = nil) throws -> VerifyReport {
        var report = VerifyReport()
        // First, because every later count is only as good as the pages it is read from.
        for problem in try store.integrityProblems() { report.problems.append("collection.sqlite: \(problem)") }
        (report.documents, report.chunks) = try store.counts()
        try verifyLexical(analyzer: analyzer ?? self.analyzer ?? writeAnalyzer, into: &report)
        let dimension = manifest.dimension
        var seen: [Int64: Int] = [:]
        for state in try store.shardStates() {
            var entry = VerifyReport.Shard(shard: state.shard, storedChunks: state.chunkCount)
            let stored = try store.chunkIDs(shard: state.shard)
            // Reading every vector checks its byte length (StoreError.corruptVector otherwise).
            do {
                try store.forEachVectorPage(shard: state.shard, dimension: dimension) { _, _ in }
            } catch {
                report.problems.append("shard \(state.shard): \(error)")
            }
            let path = shardPath(state.shard)
            if !state.isCurrent {
                report.problems.append("shard \(state.shard): the file does not reflect the database (version "
                    + "\(state.indexedVersion.map(String.init) ?? "none") vs \(state.version)); run glossa rebuild")
            }
            if let recorded = state.fileHash, state.isCurrent, let actual = ShardFingerprint.of(path: path),
                actual != recorded
            {
                report.problems.append("shard \(state.shard): \(path) is not the file SQLite recorded (fingerprint "
                    + "\(actual), expected \(recorded)): copied from another collection or changed; run glossa rebuild")
            }
            do {
                let index = try backend.read(path: path)
                entry.indexedVectors = index.count
                if index.count != stored.count {
                    report.problems.append("shard \(state.shard): \(index.count) vectors indexed, \(stored.count) stored")
                }
                if let ids = try index.storedIDs() {
                    let storedSet = Set(stored)
                    let indexed = Set(ids)
                    if indexed.count != ids.count { report.problems.append("shard \(state.shard): duplicate ids in the index") }
                    let stray = indexed.subtracting(storedSet), missing = storedSet.subtracting(indexed)
                    if !stray.isEmpty {
                        report.problems.append("shard \(state.shard): \(stray.count) stray ids (e.g. \(stray.sorted().prefix(5)))")
                    }
                    if !missing.isEmpty {
                        report.problems.append(
                            "shard \(state.shard): \(missing.count) stored chunks missing (e.g. \(missing.sorted().prefix(5)))")
                    }
                    for id in ids {
                        if let other = seen[id], other != state.shard {
                            report.problems.append("chunk \(id) is in shards \(other) and \(state.shard)")
                        }
                        seen[id] = state.shard
                    }
                }
            } catch {
                report.problems.append("shard \(state.shard): cannot read \(path): \(error)")
            }
            report.shards.append(entry)
        }
        for document in try store.documentShards() {
            let expected = StableHash.shard(of: document.externalID, shardCount: manifest.shardCount)
            if document.shard != expected {
                report.problems.append("document '\(document.externalID)' is in shard \(document.shard), expected \(expected)")
            }
        }
        let stored = report.shards.reduce(0) { $0 + $1.storedChunks }
        if stored != report.chunks {
            report.problems.append("\(report.chunks - stored) chunks belong to no shard")
        }
        return report
    }

    private func verifyLexical(analyzer: (any TermAnalyzer)?, into report: inout VerifyReport) throws {
        let identity = try store.lexicalIdentity()
        guard let identity else {
            report.problems.append("the lexical index is not built (a collection from before it, or written "
                + "without an analyzer); run glossa rebuild")
            return
        }
        if let analyzer, identity != analyzer.identity {
            report.problems.append("the lexical index was built by '\(identity)', not by this analyzer "
                + "('\(analyzer.identity)'); run glossa rebuild")
            return
        }
        let lexical = try store.lexicalChunkIDs()
        report.lexicalChunks = lexical.count
        var stored: [Int64] = []
        for state in try store.shardStates() { stored += try store.chunkIDs(shard: state.shard) }
        let storedSet = Set(stored), lexicalSet = Set(lexical)
        let missing = storedSet.subtracting(lexicalSet), stray = lexicalSet.subtracting(storedSet)
        if !missing.isEmpty {
            report.problems.append("lexical index: \(missing.count) stored chunks missing (e.g. \(missing.sorted().prefix(5)))")
        }
        if !stray.isEmpty {
            report.problems.append("lexical index: \(stray.count) stray chunks (e.g. \(stray.sorted().prefix(5)))")
        }
        if let analyzer {
            report.problems += try store.lexicalDifferences(analyzer: analyzer).map { "lexical index: " + $0 }
        }
    }

    /// Sizes and settings for `glossa info`.
    public func info() throws -> CollectionInfo {
        let (documents, chunks) = try store.counts()
        let states = try store.shardStates()
        let fileBytes = states.map { state -> Int64 in
            let attributes = try? FileManager.default.attributesOfItem(atPath: shardPath(state.shard))
            return (attributes?[.size] as? NSNumber)?.int64Value ?? 0
        }
        let database = store.diskBytes()
        // The loaded indexes when there are (a server's collection: no file is read per request); otherwise
        // each current file is loaded once and dropped again. `try?`: an unreadable shard just has no figure.
        let loaded = shardLock.reading { shards }
        let memory = states.map { state -> Int64? in
            if loaded.count == states.count { return (try? loaded[state.shard].memoryBytes()) ?? nil }
            guard state.isCurrent, let index = try? backend.read(path: shardPath(state.shard)) else { return nil }
            return (try? index.memoryBytes()) ?? nil
        }
        return CollectionInfo(
            path: folder.path, documents: documents, chunks: chunks, model: manifest.modelName,
            dimension: manifest.dimension, indexType: manifest.indexType, chunkTokens: manifest.chunkTokens,
            chunkOverlap: manifest.chunkOverlap, shardChunks: states.map(\.chunkCount), shardFileBytes: fileBytes,
            shardMemoryBytes: memory, nprobe: manifest.nprobe, precision: manifest.precision,
            databaseBytes: database, totalBytes: database + fileBytes.reduce(0, +))
    }
}
