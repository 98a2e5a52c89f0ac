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
    public var seconds: Double { checkSeconds + storeSeconds + indexSeconds }

    public var description: String {
        String(format: "imported %d bundle(s), %d rows of %d documents: %d new, %d changed, %d metadata-only, "
               + "%d unchanged\nin %.1fs (check %.1fs, store %.1fs, index %.1fs): %.0f rows/s",
               bundles, rows, documents, inserted, replaced, metadataUpdated, unchanged, seconds, checkSeconds,
               storeSeconds, indexSeconds, seconds > 0 ? Double(rows) / seconds : 0)
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
        if FileManager.default.fileExists(atPath: databasePath(folder)) {
            // Model and chunking are checked per bundle in importBundles, naming the bundle's manifest.
            return try DocumentCollection(folder: folder, model: nil, create: settings, writable: true, backend: backend)
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
    public func importBundles(_ bundles: [URL], batchRows: Int = 4_096, analyzer: (any TermAnalyzer)? = nil) throws
        -> ImportReport
    {
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
        var session = ChangeSet()
        var batch: [BundleDocument] = []
        var batchRowCount = 0
        func storeBatch() throws {
            guard !batch.isEmpty else { return }
            session.merge(try storeImported(batch, analyzer: lexical, report: &report))
            progress.advance(by: batchRowCount)
            batch.removeAll(keepingCapacity: true)
            batchRowCount = 0
        }
        // One bulk session: commits without fsync (WAL, synchronous NORMAL), still kill -9 safe.
        try store.withBulkWrites {
            for reader in readers {
                try reader.forEachDocument { document in
                    batch.append(document)
                    batchRowCount += document.spans.count
                    report.rows += document.spans.count
                    report.documents += 1
                    if batchRowCount >= batchRows { try storeBatch() }
                }
                try storeBatch()
                report.bundles += 1
            }
        }
        progress.finish()
        report.storeSeconds = Date().timeIntervalSince(clock)
        clock = Date()
        try syncShards(session)
        report.indexSeconds = Date().timeIntervalSince(clock)
        return report
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

    /// Stores one batch of imported documents in one transaction; returns its chunk delta.
    private func storeImported(_ documents: [BundleDocument], analyzer: (any TermAnalyzer)?, report: inout ImportReport)
        throws -> ChangeSet
    {
        var plan = try planWrites(documents.map { ($0.id, $0.title, $0.text, $0.metadata) })
        report.unchanged += plan.unchanged
        let dimension = manifest.dimension
        for item in plan.needChunks {
            let document = documents[item.source]
            plan.writes[item.write].chunks = document.spans.enumerated().map { chunk, span in
                NewChunk(start: span.lowerBound, end: span.upperBound,
                         vector: Array(document.vectors[chunk * dimension..<(chunk + 1) * dimension]))
            }
        }
        var writes = plan.writes
        if let analyzer { try Self.analyseChunks(&writes, analyzer: analyzer) }
        guard !writes.isEmpty else { return ChangeSet() }
        let changes = try store.apply(writes, dimension: dimension, analyzer: analyzer)
        report.inserted += changes.documentsInserted
        report.replaced += changes.documentsReplaced
        report.metadataUpdated += changes.documentsUpdated
        return changes
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
