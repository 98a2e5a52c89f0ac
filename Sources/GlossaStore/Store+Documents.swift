// Writing documents: one SQLite transaction per batch of upserts and deletes, returning the
// exact per-shard chunk delta so that the FAISS side can follow without rescanning.
import Foundation
import GRDB
public import GlossaCore

/// What the store knows about a document before re-indexing it.
public struct DocumentFingerprint: Sendable, Equatable {
    public var contentHash: String
    public var metadataJSON: String
}

extension Store {
    /// Fingerprints of the documents among `externalIDs` that exist, keyed by external id.
    public func fingerprints(externalIDs: [String]) throws -> [String: DocumentFingerprint] {
        try perform("looking up existing documents") {
            try writer.read { db in
                var result: [String: DocumentFingerprint] = [:]
                // SQLite limits bound parameters; 500 per statement stays far below it.
                for start in stride(from: 0, to: externalIDs.count, by: 500) {
                    let slice = Array(externalIDs[start..<min(start + 500, externalIDs.count)])
                    let marks = Array(repeating: "?", count: slice.count).joined(separator: ",")
                    let rows = try Row.fetchAll(
                        db, sql: "SELECT external_id, content_hash, metadata FROM document WHERE external_id IN (\(marks))",
                        arguments: StatementArguments(slice))
                    for row in rows {
                        result[row["external_id"]] = DocumentFingerprint(
                            contentHash: row["content_hash"], metadataJSON: row["metadata"])
                    }
                }
                return result
            }
        }
    }

    /// Applies `writes` (insert, replace or metadata update) and `deletes` (external ids) in ONE
    /// transaction: either all of it is stored or none of it. Bumps the version of every shard touched.
    ///
    /// The lexical index changes in the same transaction: each new chunk's terms (`analyzer` on the
    /// chunk's "title body" text) are added and each removed chunk's are removed, so the lexical and the
    /// dense side always hold the same chunks. Without `analyzer`, or with another analyzer than the one
    /// that built the index, a write that changes chunks marks the index stale instead (see
    /// `lexicalIdentity()`); it is rebuilt before it is searched.
    /// - Throws: `StoreError.dimensionMismatch` when a vector has the wrong length (nothing is written);
    ///   the analyzer's error when it fails (nothing is written).
    public func apply(_ writes: [DocumentWrite], deletes: [String] = [], dimension: Int,
                      analyzer: (any TermAnalyzer)? = nil) throws -> ChangeSet {
        for write in writes {
            for chunk in write.chunks ?? [] where chunk.vector.count != dimension {
                throw StoreError.dimensionMismatch(path: path, expected: dimension, got: chunk.vector.count)
            }
        }
        return try perform("storing a batch of \(writes.count) documents") {
            try writer.write { db in
                var changes = ChangeSet()
                var touched = Set<Int>()
                let changesChunks = !deletes.isEmpty || writes.contains { $0.chunks != nil }
                let lexical = changesChunks ? try Self.lexicalMaintenance(db, analyzer: analyzer) : nil
                for write in writes { try upsert(write, db: db, lexical: lexical, changes: &changes, touched: &touched) }
                for externalID in deletes {
                    try remove(externalID, db: db, lexical: lexical, changes: &changes, touched: &touched)
                }
                for shard in touched.sorted() {
                    try db.execute(
                        sql: "INSERT INTO shard(shard, version) VALUES (?, 1) "
                            + "ON CONFLICT(shard) DO UPDATE SET version = version + 1",
                        arguments: [shard])
                }
                return changes
            }
        }
    }

    private func upsert(_ write: DocumentWrite, db: Database, lexical: (any TermAnalyzer)?, changes: inout ChangeSet,
                        touched: inout Set<Int>) throws {
        // Cached statements (compiling each statement per document was a large share of a bulk import), and
        // the per-row ones bound through SQLite's C API (RawStatement.swift).
        let lookup = try RawStatement(db, sql: "SELECT id, shard FROM document WHERE external_id = ?")
        lookup.bind(1, text: write.externalID)
        let documentID: Int64
        if let existing = try lookup.firstRowIntegers() {
            documentID = existing.0
            let oldShard = Int(existing.1)
            if write.chunks != nil {
                let old = try Int64.fetchAll(
                    try db.cachedStatement(sql: "SELECT id FROM chunk WHERE document_id = ?"), arguments: [documentID])
                changes.removed[oldShard, default: []].append(contentsOf: old)
                // The old terms come from the old text: removed before the document row changes.
                if let lexical { try Self.removeLexical(db, documentID: documentID, analyzer: lexical) }
                try db.cachedStatement(sql: "DELETE FROM chunk WHERE document_id = ?").execute(arguments: [documentID])
                touched.insert(oldShard)
                changes.documentsReplaced += 1
            } else {
                changes.documentsUpdated += 1
            }
            try db.cachedStatement(
                sql: "UPDATE document SET title = ?, text = ?, metadata = ?, content_hash = ?, shard = ? WHERE id = ?"
            ).execute(arguments: [write.title, write.text, write.metadataJSON, write.contentHash, write.shard, documentID])
            try db.cachedStatement(sql: "DELETE FROM metadata_entry WHERE document_id = ?").execute(arguments: [documentID])
        } else {
            let insert = try RawStatement(
                db, sql: "INSERT INTO document(external_id, title, text, metadata, content_hash, shard) VALUES (?,?,?,?,?,?)")
            insert.bind(1, text: write.externalID)
            insert.bind(2, text: write.title)
            insert.bind(3, text: write.text)
            insert.bind(4, text: write.metadataJSON)
            insert.bind(5, text: write.contentHash)
            insert.bind(6, write.shard)
            try insert.run()
            documentID = db.lastInsertedRowID
            changes.documentsInserted += 1
        }
        let insertEntry = try RawStatement(db, sql: "INSERT INTO metadata_entry(document_id, key, value) VALUES (?, ?, ?)")
        for entry in MetadataValue.filterEntries(write.metadata) {
            insertEntry.bind(1, documentID)
            insertEntry.bind(2, text: entry.key)
            insertEntry.bind(3, text: entry.value)
            try insertEntry.run()
        }
        guard let chunks = write.chunks else { return }
        let insert = try RawStatement(
            db, sql: "INSERT INTO chunk(document_id, ordinal, start, \"end\", shard, vector) VALUES (?,?,?,?,?,?)")
        for (ordinal, chunk) in chunks.enumerated() {
            insert.bind(1, documentID)
            insert.bind(2, ordinal)
            insert.bind(3, chunk.start)
            insert.bind(4, chunk.end)
            insert.bind(5, write.shard)
            try insert.insert(vector: chunk.vector, at: 6)
            let chunkID = db.lastInsertedRowID
            changes.added[write.shard, default: []].append(chunkID)
            if let lexical {
                let text = { Self.chunkText(title: write.title, text: write.text, start: chunk.start, end: chunk.end) }
                try Self.writeLexical(db, chunkID: chunkID, terms: try chunk.terms ?? lexical.terms(of: text()))
            }
        }
        touched.insert(write.shard)
    }

    private func remove(_ externalID: String, db: Database, lexical: (any TermAnalyzer)?, changes: inout ChangeSet,
                        touched: inout Set<Int>) throws {
        guard let row = try Row.fetchOne(
            db, sql: "SELECT id, shard FROM document WHERE external_id = ?", arguments: [externalID])
        else { return }
        let documentID: Int64 = row["id"]
        let shard: Int = row["shard"]
        let old = try Int64.fetchAll(db, sql: "SELECT id FROM chunk WHERE document_id = ?", arguments: [documentID])
        changes.removed[shard, default: []].append(contentsOf: old)
        if let lexical { try Self.removeLexical(db, documentID: documentID, analyzer: lexical) }
        // Chunks and metadata entries go with the document (ON DELETE CASCADE).
        try db.execute(sql: "DELETE FROM document WHERE id = ?", arguments: [documentID])
        touched.insert(shard)
        changes.documentsDeleted += 1
    }

    /// Deletes documents by external id in one transaction; unknown ids are returned, not errors.
    /// `analyzer` keeps the lexical index current, as in `apply`.
    public func delete(externalIDs: [String], analyzer: (any TermAnalyzer)? = nil) throws
        -> (changes: ChangeSet, missing: [String])
    {
        // An id with a NUL cannot be stored (text binds end at NUL), and looking it up would find a shorter id.
        let found = try fingerprints(externalIDs: externalIDs.filter { !$0.utf8.contains(0) })
        let missing = externalIDs.filter { found[$0] == nil }
        let present = externalIDs.filter { found[$0] != nil }
        if present.isEmpty { return (ChangeSet(), missing) }
        let changes = try apply([], deletes: present, dimension: 0, analyzer: analyzer)
        return (changes, missing)
    }

    /// The document with `externalID`, or nil.
    public func document(externalID: String) throws -> StoredDocument? {
        // See delete(externalIDs:): "a\0b" must not find "a".
        if externalID.utf8.contains(0) { return nil }
        return try perform("reading document '\(externalID)'") {
            try writer.read { db in
                try Row.fetchOne(db, sql: "SELECT * FROM document WHERE external_id = ?", arguments: [externalID])
                    .map(Store.document)
            }
        }
    }

    /// Every document's external id and shard (for verify and re-sharding), ordered by row id.
    public func documentShards() throws -> [(externalID: String, shard: Int)] {
        try perform("listing documents") {
            try writer.read { db in
                try Row.fetchAll(db, sql: "SELECT external_id, shard FROM document ORDER BY id").map {
                    (externalID: $0["external_id"], shard: $0["shard"])
                }
            }
        }
    }

    /// Moves every document and chunk to the shard `shardOf(externalID)` and resets all shard
    /// states to "not indexed", in one transaction (used by `rebuild --shards N`).
    public func reshard(count: Int, shardOf: (String) -> Int) throws {
        try perform("re-sharding into \(count) shards") {
            try writer.write { db in
                let rows = try Row.fetchAll(db, sql: "SELECT id, external_id FROM document")
                let update = try db.cachedStatement(sql: "UPDATE document SET shard = ? WHERE id = ?")
                for row in rows {
                    let externalID: String = row["external_id"]
                    try update.execute(arguments: [shardOf(externalID), row["id"] as Int64])
                }
                try db.execute(
                    sql: "UPDATE chunk SET shard = (SELECT d.shard FROM document d WHERE d.id = chunk.document_id)")
                let maxVersion = try Int64.fetchOne(db, sql: "SELECT MAX(version) FROM shard") ?? 0
                try db.execute(sql: "DELETE FROM shard")
                for shard in 0..<count {
                    try db.execute(
                        sql: "INSERT INTO shard(shard, version, indexed_version) VALUES (?, ?, NULL)",
                        arguments: [shard, maxVersion + 1])
                }
                try db.execute(
                    sql: "UPDATE manifest SET value = ? WHERE key = 'shard_count'", arguments: [String(count)])
            }
        }
    }

    /// Changes the recorded index type (used by `rebuild --index-type`).
    public func setIndexType(_ indexType: String) throws {
        try perform("recording the index type") {
            try writer.write { db in
                try db.execute(sql: "UPDATE manifest SET value = ? WHERE key = 'index_type'", arguments: [indexType])
                // A tuned nprobe belongs to the old index type.
                try db.execute(sql: "DELETE FROM manifest WHERE key = 'nprobe'")
                try db.execute(sql: "UPDATE shard SET indexed_version = NULL")
            }
        }
    }

    static func document(_ row: Row) -> StoredDocument {
        StoredDocument(
            rowID: row["id"], externalID: row["external_id"], title: row["title"], text: row["text"],
            metadataJSON: row["metadata"], contentHash: row["content_hash"], shard: row["shard"])
    }
}
