// `glossa import` and `glossa export`: a collection filled from bundles of precomputed rows and vectors
// (no encoding), and a collection written back out as bundles that import again bit for bit.
// Import stores through `Store.apply`, the same write path as `index`, so everything kept beside the
// documents there (metadata entries, shard versions, and any later per-document index) follows.
public import Foundation
public import GlossaStore
public import GlossaCore

/// What an import did.
public struct ImportReport: Sendable, CustomStringConvertible {
    public var bundles = 0
    public var rows = 0
    public var documents = 0
    public var inserted = 0
    public var replaced = 0
    public var metadataUpdated = 0
    public var unchanged = 0
    /// Wall time of the checking pass, the storing pass and the shard update, in seconds.
    public var checkSeconds = 0.0
    public var storeSeconds = 0.0
    public var indexSeconds = 0.0
    /// Time the writer thread spent inside SQLite transactions (part of `storeSeconds`, overlapped with
    /// the reading): rows / writeSeconds is the store's own write rate, the ceiling of the storing pass.
    public var writeSeconds = 0.0
    public var seconds: Double { checkSeconds + storeSeconds + indexSeconds }

    public var description: String {
        String(format: "imported %d bundle(s), %d rows of %d documents: %d new, %d changed, %d metadata-only, "
               + "%d unchanged\nin %.1fs (check %.1fs, store %.1fs, index %.1fs): %.0f rows/s; "
               + "SQLite writes %.1fs: %.0f rows/s",
               bundles, rows, documents, inserted, replaced, metadataUpdated, unchanged, seconds, checkSeconds,
               storeSeconds, indexSeconds, seconds > 0 ? Double(rows) / seconds : 0, writeSeconds,
               writeSeconds > 0 ? Double(rows) / writeSeconds : 0)
    }
}

extension DocumentCollection {
    /// Opens the collection at `folder` for `importBundles`, creating it when it does not exist with the
    /// first bundle's model, dimension and chunk settings (and `settings`' index type and shard count).
    public static func openForImport(folder: URL, bundles: [URL], settings: CollectionSettings,
                                     backend: any IndexBackend) throws -> DocumentCollection {
        guard let first = bundles.first else {
            throw IngestError.invalidOption(name: "bundle", value: "", reason: "give at least one bundle folder")
        }
        do {
            // Model and chunking are checked per bundle in importBundles, naming the bundle's manifest.
            return try DocumentCollection(folder: folder, model: nil, create: settings, writable: true, backend: backend)
        } catch IngestError.noSuchCollection {
            // No collection yet, or a creation killed before its manifest: created (or finished) from the bundle's.
        }
        let manifest = try BundleReader(folder: first).manifest
        var create = settings
        create.chunkTokens = create.chunkTokens ?? manifest.chunkTokens
        create.chunkOverlap = create.chunkOverlap ?? manifest.chunkOverlap
        return try DocumentCollection(folder: folder, model: (manifest.model, manifest.dimension), create: create,
                                      writable: true, backend: backend)
    }

    /// Adds the documents of `bundles` (later bundles replace earlier ones' documents of the same id).
    ///
    /// Every bundle is first read whole and checked (manifest against the collection, sizes, SHA-256, NPY
    /// header, every vector finite and normalised, every row, the counts); a bad bundle is refused with
    /// `IngestError.bundle` naming file and line or row before anything is stored. Then documents are stored
    /// `batchRows` rows per transaction through `Store.apply`; documents already stored with the same text
    /// and title are skipped, so a rerun after a crash stores each row once. Shard indexes follow at the end.
    /// `analyzer` (else the one given at open) writes the lexical index in the same transactions.
    ///
    /// The store runs one batch ahead of the reading: while a writer thread commits batch N, this thread
    /// reads, plans and analyses batch N + 1 (a bundle's document ids are unique, so N + 1's plan cannot
    /// depend on N's rows; between bundles, which may repeat ids, the writer is drained first).
    public func importBundles(_ bundles: [URL], batchRows: Int = 4_096, analyzer: (any TermAnalyzer)? = nil) throws
        -> ImportReport
    {
        try writingAheadOfIndexes {
            let lexical = analyzer ?? self.analyzer
            if let lexical { writeAnalyzer = lexical }
            var report = ImportReport()
            var clock = Date()
            let readers = try bundles.map { try BundleReader(folder: $0) }
            for reader in readers { try checkCompatible(reader) }
            for reader in readers { try reader.forEachDocument { _ in } }
            report.checkSeconds = Date().timeIntervalSince(clock)
            clock = Date()
            let progress = ProgressReporter(label: "import \(folder.lastPathComponent)", unit: "rows",
                                            total: readers.reduce(0) { $0 + $1.manifest.rows }, enabled: progressEnabled)
            // The deltas the shard indexes have not had yet; see InFlightShards for those they get as batches commit.
            var pending = ChangeSet()
            let inFlight = InFlightShards(collection: self)
            var batch: [BundleDocument] = []
            var batchRowCount = 0
            let writer = OneAheadWriter()
            func finished(_ written: WrittenBatch?) throws {
                guard let written else { return }
                if !(try inFlight.apply(written.changes, writes: written.writes)) { pending.merge(written.changes) }
                report.inserted += written.changes.documentsInserted
                report.replaced += written.changes.documentsReplaced
                report.metadataUpdated += written.changes.documentsUpdated
                report.writeSeconds += written.seconds
                progress.advance(by: written.rows)
            }
            func storeBatch() throws {
                guard !batch.isEmpty else { return }
                let plan = try prepareImported(batch, analyzer: lexical)
                report.unchanged += plan.unchanged
                let (writes, rows, dimension) = (plan.writes, batchRowCount, manifest.dimension)
                batch.removeAll(keepingCapacity: true)
                batchRowCount = 0
                try finished(try writer.submit { [store] in
                    let clock = Date()
                    let changes = writes.isEmpty
                        ? ChangeSet() : try store.apply(writes, dimension: dimension, analyzer: lexical)
                    return WrittenBatch(changes: changes, writes: writes, rows: rows,
                                        seconds: Date().timeIntervalSince(clock))
                })
            }
            // One bulk session: commits without fsync (WAL, synchronous NORMAL), still kill -9 safe.
            try store.withBulkWrites {
                // Whatever ends the reading, no write may still run when the bulk settings are undone.
                defer { _ = try? writer.wait() }
                for reader in readers {
                    try reader.forEachDocument { document in
                        batch.append(document)
                        batchRowCount += document.spans.count
                        report.rows += document.spans.count
                        report.documents += 1
                        if batchRowCount >= batchRows { try storeBatch() }
                    }
                    try storeBatch()
                    try finished(try writer.wait())
                    report.bundles += 1
                }
            }
            progress.finish()
            report.storeSeconds = Date().timeIntervalSince(clock)
            clock = Date()
            let synced = try syncShards(pending)
            try persistShards(inFlight.applied.subtracting(synced))
            report.indexSeconds = Date().timeIntervalSince(clock)
            return report
        }
    }

    private func checkCompatible(_ reader: BundleReader) throws {
        let bundle = reader.manifest
        let path = reader.manifestPath
        let pairs: [(String, String, String)] = [
            ("model", bundle.model, manifest.modelName),
            ("dimension", String(bundle.dimension), String(manifest.dimension)),
            ("chunk_tokens", String(bundle.chunkTokens), String(manifest.chunkTokens)),
            ("chunk_overlap", String(bundle.chunkOverlap), String(manifest.chunkOverlap)),
        ]
        for (field, given, stored) in pairs where given != stored {
            throw IngestError.bundle(file: path, reason: "field '\(field)' is \(given), but the collection \(folder.path) "
                + "has \(stored); vectors and chunks of another model or chunking cannot be mixed into it")
        }
    }

    /// The writes of one batch of imported documents, with their chunks and (with `analyzer`) their terms.
    private func prepareImported(_ documents: [BundleDocument], analyzer: (any TermAnalyzer)?) throws -> WritePlan {
        var plan = try planWrites(documents.map { ($0.id, $0.title, $0.text, $0.metadata) })
        let dimension = manifest.dimension
        for item in plan.needChunks {
            let document = documents[item.source]
            plan.writes[item.write].chunks = document.spans.enumerated().map { chunk, span in
                NewChunk(start: span.lowerBound, end: span.upperBound,
                         vector: Array(document.vectors[chunk * dimension..<(chunk + 1) * dimension]))
            }
        }
        if let analyzer { try Self.analyseChunks(&plan.writes, analyzer: analyzer) }
        return plan
    }

    // MARK: - Export

    /// Writes the collection as one bundle at `out`, or with `perShard` one bundle per shard at
    /// `out/shard-000`, `out/shard-001`, …: every document with its chunks in row-id order, texts, spans,
    /// metadata and vectors exactly as stored, so importing the bundle(s) recreates the same collection.
    public func exportBundles(to out: URL, perShard: Bool, createdBy: String = "glossa 0.1 export") throws
        -> [(folder: URL, manifest: BundleManifest)]
    {
        let targets: [(URL, Int?)] =
            perShard
            ? (0..<manifest.shardCount).map { (out.appendingPathComponent(String(format: "shard-%03d", $0)), $0) }
            : [(out, nil)]
        if perShard {
            do {
                try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
            } catch {
                throw IngestError.filesystem(path: out.path, operation: "create the export folder", reason: "\(error)")
            }
        }
        var written: [(folder: URL, manifest: BundleManifest)] = []
        for (target, shard) in targets {
            let writer = try BundleWriter(
                folder: target, model: manifest.modelName, dimension: manifest.dimension,
                chunkTokens: manifest.chunkTokens, chunkOverlap: manifest.chunkOverlap, createdBy: createdBy)
            do {
                try store.forEachDocumentWithChunks(shard: shard, dimension: manifest.dimension) { document, spans, vectors in
                    // Every stored document has at least one chunk (empty texts are refused on input).
                    guard !spans.isEmpty else { return }
                    try writer.add(id: document.externalID, title: document.title, text: document.text,
                                   metadata: try MetadataValue.parseObject(document.metadataJSON),
                                   metadataJSON: document.metadataJSON, spans: spans, vectors: vectors)
                }
                written.append((target, try writer.finish()))
            } catch {
                writer.discard()
                throw error
            }
        }
        return written
    }
}

/// What the writer thread did with one batch.
private struct WrittenBatch: Sendable {
    var changes: ChangeSet
    /// The batch's writes, whose new chunks got the ids in `changes.added` in write and chunk order.
    var writes: [DocumentWrite]
    var rows: Int
    var seconds: Double
}

/// Shard indexes kept current while an import stores, instead of rebuilt from SQLite after it: each committed
/// batch's new vectors, which the import holds anyway, go into the loaded indexes at once. At a million rows that
/// spared reading 1.5 GB of vectors back from SQLite after the last batch, on one core while the other idled.
///
/// Only while every batch so far only added chunks to trained indexes (a flat index always is): the first batch
/// that removes chunks (a replaced document) or touches an untrained shard (an empty IVF, which must train on
/// the import's vectors) turns it off, and that batch and all later ones are left to `syncShards`, which then
/// applies them in order after the ones applied here. Vectors go in only after their batch committed, so an
/// index never holds a vector SQLite does not; the files are written at the end either way.
private final class InFlightShards {
    private unowned let collection: DocumentCollection
    private var isOn = true
    /// Shards that got vectors here (their files still need writing).
    private(set) var applied = Set<Int>()

    init(collection: DocumentCollection) { self.collection = collection }

    /// Adds `changes`' new chunks to the loaded indexes; false (nothing added) when it is or turns off.
    func apply(_ changes: ChangeSet, writes: [DocumentWrite]) throws -> Bool {
        guard isOn, changes.removed.values.allSatisfy(\.isEmpty) else {
            isOn = false
            return false
        }
        let dimension = collection.manifest.dimension
        let vectors = Self.vectorsByShard(writes)
        var work: [(shard: Int, index: any ShardIndex, ids: [Int64], vectors: [Float])] = []
        for (shard, ids) in changes.added where !ids.isEmpty {
            // A count that does not match would mean the ids and vectors are not in the same order: off, not wrong.
            guard let index = collection.loadedShard(shard), index.isTrained, let flat = vectors[shard],
                flat.count == ids.count * dimension
            else {
                isOn = false
                return false
            }
            work.append((shard, index, ids, flat))
        }
        for item in work {
            try collection.shardLock.writing {
                try collection.wrapIndex(item.shard, "add") { try item.index.add(item.vectors, ids: item.ids) }
            }
            applied.insert(item.shard)
        }
        return true
    }

    /// The new vectors of `writes` per shard, in write and chunk order: the order `Store.apply` inserts them in.
    private static func vectorsByShard(_ writes: [DocumentWrite]) -> [Int: [Float]] {
        var result: [Int: [Float]] = [:]
        for write in writes {
            for chunk in write.chunks ?? [] { result[write.shard, default: []].append(contentsOf: chunk.vector) }
        }
        return result
    }
}

/// Runs one write at a time on its own thread, so that the caller prepares the next batch meanwhile.
/// `submit` first waits for the write before it (at most one is ever in flight, so batches commit in
/// order and memory holds at most two batches) and returns that one's outcome, rethrowing its error.
private final class OneAheadWriter: @unchecked Sendable {
    private let queue = DispatchQueue(label: "glossa.import.writer")
    private let group = DispatchGroup()
    // Written by the queue before `group.leave()`, read by the caller after `group.wait()`.
    private var outcome: Result<WrittenBatch, any Error>?

    func submit(_ write: @escaping @Sendable () throws -> WrittenBatch) throws -> WrittenBatch? {
        let previous = try wait()
        group.enter()
        queue.async {
            self.outcome = Result { try write() }
            self.group.leave()
        }
        return previous
    }

    /// Waits for the write in flight, if any, and returns its outcome.
    func wait() throws -> WrittenBatch? {
        group.wait()
        defer { outcome = nil }
        return try outcome?.get()
    }
}
