// Ingestion: read inputs → skip unchanged documents (content hash) → chunk on token boundaries →
// embed with the "passage: " prefix (title first, as the reference does) → store a batch per SQLite
// transaction → apply the exact chunk delta to the shard indexes and write them (temp + rename).
import Foundation
public import GlossaStore
import GlossaCore

/// How to ingest.
public struct IngestOptions: Sendable {
    /// Documents per SQLite transaction (and per embedding call).
    public var batchSize: Int = 64
    /// Fail the whole run (before storing anything) on the first bad input line instead of skipping it.
    public var strict = false
    public init(batchSize: Int = 64, strict: Bool = false) {
        self.batchSize = batchSize
        self.strict = strict
    }
}

/// What an ingest run did.
public struct IngestReport: Sendable, CustomStringConvertible {
    public var read = 0
    public var inserted = 0
    public var replaced = 0
    public var metadataUpdated = 0
    public var unchanged = 0
    /// Bad lines or files skipped (see `issues`).
    public var skipped = 0
    /// Ids seen more than once within one input (the last occurrence wins).
    public var duplicates = 0
    public var chunksEmbedded = 0
    public var seconds = 0.0
    /// The problems found, in input order (at most `IngestReport.maxIssues` kept).
    public var issues: [IngestError] = []
    public static let maxIssues = 50

    public var description: String {
        var lines = [
            "read \(read) documents: \(inserted) new, \(replaced) changed, \(metadataUpdated) metadata-only, "
                + "\(unchanged) unchanged, \(skipped) skipped, \(duplicates) duplicate ids (last wins)",
            String(format: "embedded %d chunks in %.1fs (%.1f chunks/s)", chunksEmbedded, seconds,
                   seconds > 0 ? Double(chunksEmbedded) / seconds : 0),
        ]
        lines += issues.map { "  \($0)" }
        if skipped + duplicates > issues.count { lines.append("  … \(skipped + duplicates - issues.count) more") }
        return lines.joined(separator: "\n")
    }

    mutating func note(_ issue: IngestError) {
        if issues.count < Self.maxIssues { issues.append(issue) }
    }
}

extension DocumentCollection {
    /// Adds or updates the documents of `inputs` (files or folders; see `InputReader`).
    ///
    /// Each batch is one SQLite transaction, so a crash loses at most the batch in flight; the shard
    /// files are brought up to date at the end (and rebuilt from SQLite on the next open if the run
    /// dies first). Re-running on the same input stores nothing new.
    /// - Throws: `IngestError.badInput` under `strict`, before anything is stored; `StoreError` and
    ///   `IngestError` for database and index failures (batches already committed stay stored).
    public func ingest(inputs: [String], encoder: any CollectionEncoder, options: IngestOptions = IngestOptions())
        throws -> IngestReport
    {
        try writingAheadOfIndexes {
            let started = Date()
            var report = IngestReport()
            let total = try countDocuments(inputs, strict: options.strict)
            let progress = ProgressReporter(label: "index \(folder.lastPathComponent)", unit: "docs", total: total,
                                            enabled: progressEnabled)
            let chunker = try Chunker(windowTokens: manifest.chunkTokens, overlapTokens: manifest.chunkOverlap)
            var session = ChangeSet()
            for input in inputs {
                var seen = Set<String>()
                var batch: [InputDocument] = []
                var slot: [String: Int] = [:]
                try InputReader.read(path: input) { result in
                    switch result {
                    case .failure(let issue):
                        report.skipped += 1
                        report.note(issue)
                        progress.advance()
                    case .success(let document):
                        report.read += 1
                        if !seen.insert(document.id).inserted {
                            report.duplicates += 1
                            report.note(.badInput(file: document.file, line: document.line, field: "id",
                                                  reason: "duplicate id '\(document.id)'; the last occurrence wins"))
                        }
                        // Last wins inside a batch; across batches the later upsert replaces the earlier one.
                        if let index = slot[document.id] { batch[index] = document } else {
                            slot[document.id] = batch.count
                            batch.append(document)
                        }
                        if batch.count >= options.batchSize {
                            session.merge(try storeBatch(batch, encoder: encoder, chunker: chunker, report: &report))
                            progress.advance(by: batch.count)
                            batch.removeAll(keepingCapacity: true)
                            slot.removeAll(keepingCapacity: true)
                        }
                    }
                }
                if !batch.isEmpty {
                    session.merge(try storeBatch(batch, encoder: encoder, chunker: chunker, report: &report))
                    progress.advance(by: batch.count)
                }
            }
            try syncShards(session)
            progress.finish()
            report.seconds = Date().timeIntervalSince(started)
            return report
        }
    }

    /// Counts the documents of every input (for the progress ETA); under `strict`, throws the first
    /// problem so that nothing is stored from a bad input.
    private func countDocuments(_ inputs: [String], strict: Bool) throws -> Int {
        var count = 0
        // Standard input can be read only once: it gets no pre-pass (no ETA, and --strict stops at
        // its first bad line after the batches before it were stored).
        for input in inputs where input != "-" {
            try InputReader.read(path: input) { result in
                if strict, case .failure(let issue) = result { throw issue }
                count += 1
            }
        }
        return count
    }

    /// Embeds and stores one batch of documents in one transaction; returns its chunk delta.
    private func storeBatch(_ batch: [InputDocument], encoder: any CollectionEncoder, chunker: Chunker,
                            report: inout IngestReport) throws -> ChangeSet
    {
        // An older collection, or one last written without an analyzer, gets its lexical index first, so
        // that this batch's terms join a complete index.
        let analyzer = encoder.lexicalAnalyzer
        try ensureLexicalIndex(analyzer)
        writeAnalyzer = analyzer
        var plan = try planWrites(batch.map { ($0.id, $0.title, $0.text, $0.metadata) })
        report.unchanged += plan.unchanged
        let chunks = try Self.embedChunks(plan.needChunks.map { batch[$0.source] }, encoder: encoder, chunker: chunker)
        for (item, documentChunks) in zip(plan.needChunks, chunks) {
            plan.writes[item.write].chunks = documentChunks
            report.chunksEmbedded += documentChunks.count
        }
        let writes = plan.writes
        guard !writes.isEmpty else { return ChangeSet() }
        let changes = try store.apply(writes, dimension: manifest.dimension, analyzer: analyzer)
        report.inserted += changes.documentsInserted
        report.replaced += changes.documentsReplaced
        report.metadataUpdated += changes.documentsUpdated
        return changes
    }

    /// Chunks and embeds `documents` exactly as `index` stores them (shared with `glossa encode`): token
    /// windows of the collection's chunking, each embedded as "passage: {title} {chunk}" (title and a space
    /// first when there is one, as the reference does), all chunks of the batch in one encoder call.
    /// Returns one list of chunks (span + vector) per document, in order.
    public static func embedChunks(_ documents: [InputDocument], encoder: any CollectionEncoder, chunker: Chunker)
        throws -> [[NewChunk]]
    {
        var embedTexts: [String] = []
        var pieces: [(document: Int, range: Range<Int>)] = []
        for (index, document) in documents.enumerated() {
            let utf8 = Array(document.text.utf8)
            for range in try chunkRanges(document, encoder: encoder, chunker: chunker) {
                let body = String(decoding: utf8[range], as: UTF8.self)
                embedTexts.append(document.title.map { $0 + " " + body } ?? body)
                pieces.append((index, range))
            }
        }
        var result = Array(repeating: [NewChunk](), count: documents.count)
        guard !embedTexts.isEmpty else { return result }
        let vectors = try encoder.embed(embedTexts, kind: .passage)
        for (piece, vector) in zip(pieces, vectors) {
            result[piece.document].append(NewChunk(start: piece.range.lowerBound, end: piece.range.upperBound, vector: vector))
        }
        return result
    }

    /// The chunk byte ranges of a document: windows of at most `chunkTokens` content tokens that,
    /// with `<s>`, `</s>`, the "passage: " prefix and the title, still fit the model's `maxTokens`.
    static func chunkRanges(_ document: InputDocument, encoder: any CollectionEncoder, chunker: Chunker) throws
        -> [Range<Int>]
    {
        let tokens = try encoder.tokenRanges(document.text)
        let overhead = try encoder.tokenRanges(TextKind.passage.apply(to: document.title.map { $0 + " " } ?? "")).count
        // +1 leaves room for a token that may merge differently at the title/text seam.
        let room = encoder.maxTokens - 2 - overhead - 1
        let window = max(chunker.overlapTokens + 1, min(chunker.windowTokens, room))
        return chunker.ranges(tokens: tokens, byteCount: document.text.utf8.count, window: window)
    }

    /// Adds or updates `documents` (the last of repeated ids wins) in one SQLite transaction, then applies
    /// the change to the loaded shard indexes: when it returns, the documents are durable and searchable.
    ///
    /// With `persistShardFiles: false` the shard files are left to `persistShards(_:)` (a server batches
    /// them); if the process dies first they are stale and are rebuilt from SQLite on the next open.
    /// Returns what was done and the shards whose files are now behind.
    /// - Throws: `StoreError` and `IngestError` for database and index failures (nothing is stored then).
    public func upsert(_ documents: [InputDocument], encoder: any CollectionEncoder, persistShardFiles: Bool = true)
        throws -> (report: IngestReport, touchedShards: Set<Int>)
    {
        try writingAheadOfIndexes {
            let started = Date()
            var report = IngestReport()
            var batch: [InputDocument] = []
            var slot: [String: Int] = [:]
            for document in documents {
                report.read += 1
                if let index = slot[document.id] {
                    report.duplicates += 1
                    batch[index] = document
                } else {
                    slot[document.id] = batch.count
                    batch.append(document)
                }
            }
            let chunker = try Chunker(windowTokens: manifest.chunkTokens, overlapTokens: manifest.chunkOverlap)
            let changes = try storeBatch(batch, encoder: encoder, chunker: chunker, report: &report)
            let touched = try syncShards(changes, persist: persistShardFiles)
            report.seconds = Date().timeIntervalSince(started)
            return (report, touched)
        }
    }

    /// Deletes documents by external id, from the dense and the lexical side in one transaction (the lexical
    /// side is marked stale instead when no analyzer is known: none given at open, no ingest since); returns the ids
    /// that were not in the collection (and, with
    /// `persistShardFiles: false`, the shards whose files are now behind; see `upsert`).
    public func delete(externalIDs: [String], persistShardFiles: Bool = true) throws
        -> (deleted: Int, missing: [String], touchedShards: Set<Int>)
    {
        try writingAheadOfIndexes {
            let (changes, missing) = try store.delete(externalIDs: externalIDs, analyzer: analyzer ?? writeAnalyzer)
            let touched = try syncShards(changes, persist: persistShardFiles)
            return (changes.documentsDeleted, missing, touched)
        }
    }

    /// Deletes documents by external id; returns the ids that were not in the collection.
    public func delete(externalIDs: [String]) throws -> (deleted: Int, missing: [String]) {
        let result = try delete(externalIDs: externalIDs, persistShardFiles: true)
        return (result.deleted, result.missing)
    }

    /// Writes the files of `shards` from the loaded indexes and records them as current.
    public func persistShards(_ shards: Set<Int>) throws {
        let states = Dictionary(uniqueKeysWithValues: try store.shardStates().map { ($0.shard, $0) })
        for shard in shards.sorted() {
            guard let state = states[shard], let index = loadedShard(shard) else { continue }
            // Shared is enough: only the (serialised) writer changes indexes, and that is the caller.
            try shardLock.reading { try persistShard(shard, index: index, version: state.version) }
        }
    }

    func loadedShard(_ shard: Int) -> (any ShardIndex)? {
        shardLock.reading { shard < shards.count ? shards[shard] : nil }
    }

    /// Applies a chunk delta to the loaded shard indexes and, with `persist`, writes the touched shard files.
    /// Each index changes under the exclusive shard lock, so a concurrent search sees it before or after the
    /// change; the vectors are read from SQLite and replacement indexes built before taking it. Index types
    /// that cannot remove ids, or not yet trained, are rebuilt from SQLite instead. Returns the touched shards.
    /// Added vectors per shard up to which `syncShards` updates an index in place (beyond, and beyond the
    /// index's own size, it rebuilds the shard from SQLite).
    static let incrementalLimit = 65_536

    @discardableResult
    func syncShards(_ changes: ChangeSet, persist: Bool = true) throws -> Set<Int> {
        let touched = Set(changes.added.keys).union(changes.removed.keys)
        guard !touched.isEmpty else { return [] }
        let states = Dictionary(uniqueKeysWithValues: try store.shardStates().map { ($0.shard, $0) })
        for shard in touched.sorted() {
            guard let state = states[shard], let index = loadedShard(shard) else { continue }
            var applied = false
            let addedCount = changes.added[shard]?.count ?? 0
            // A delta larger than the index (an import into a new or small collection) is cheaper and leaner as
            // a rebuild: vectors stream from SQLite page by page instead of all at once, and an IVF index gets
            // the list count and training sample of its new size.
            let rebuildInstead = addedCount > max(Self.incrementalLimit, index.count)
            if index.isTrained, !rebuildInstead {
                // Ids removed again later in the session are simply not found in SQLite.
                let added = try store.vectors(ids: changes.added[shard] ?? [], dimension: manifest.dimension)
                applied = shardLock.writing {
                    do {
                        _ = try index.remove(ids: changes.removed[shard] ?? [])
                        if !added.ids.isEmpty { try index.add(added.vectors, ids: added.ids) }
                        return true
                    } catch {
                        // Rebuilt from SQLite below: an index that cannot remove ids (HNSW) ends up here.
                        return false
                    }
                }
            }
            var current = index
            if !applied {
                current = try rebuildShard(shard, persist: false)
                shardLock.writing { shards[shard] = current }
            }
            if persist { try persistShard(shard, index: current, version: state.version) }
        }
        return touched
    }
}
