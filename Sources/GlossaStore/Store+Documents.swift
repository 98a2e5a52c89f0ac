// Writing documents: one SQLite transaction per batch of upserts and deletes, returning the
// exact per-shard chunk delta so that the FAISS side can follow without rescanning.
import Foundation
import GRDB

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
    /// - Throws: `StoreError.dimensionMismatch` when a vector has the wrong length (nothing is written).
    public func apply(_ writes: [DocumentWrite], deletes: [String] = [], dimension: Int) throws -> ChangeSet {
        for write in writes {
            for chunk in write.chunks ?? [] where chunk.vector.count != dimension {
                throw StoreError.dimensionMismatch(path: path, expected: dimension, got: chunk.vector.count)
            }
        }
        return try perform("storing a batch of \(writes.count) documents") {
            try writer.write { db in
                var changes = ChangeSet()
                var touched = Set<Int>()
                for write in writes { try upsert(write, db: db, changes: &changes, touched: &touched) }
                for externalID in deletes { try remove(externalID, db: db, changes: &changes, touched: &touched) }
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

    private func upsert(_ write: DocumentWrite, db: Database, changes: inout ChangeSet, touched: inout Set<Int>) throws {
        let metadataJSON = MetadataValue.canonicalJSON(write.metadata)
        let existing = try Row.fetchOne(
            db, sql: "SELECT id, shard FROM document WHERE external_id = ?", arguments: [write.externalID])
        let documentID: Int64
        if let existing {
            documentID = existing["id"]
            let oldShard: Int = existing["shard"]
            if write.chunks != nil {
                let old = try Int64.fetchAll(db, sql: "SELECT id FROM chunk WHERE document_id = ?", arguments: [documentID])
                changes.removed[oldShard, default: []].append(contentsOf: old)
                try db.execute(sql: "DELETE FROM chunk WHERE document_id = ?", arguments: [documentID])
                touched.insert(oldShard)
                changes.documentsReplaced += 1
            } else {
                changes.documentsUpdated += 1
            }
            try db.execute(
                sql: "UPDATE document SET title = ?, text = ?, metadata = ?, content_hash = ?, shard = ? WHERE id = ?",
                arguments: [write.title, write.text, metadataJSON, write.contentHash, write.shard, documentID])
            try db.execute(sql: "DELETE FROM metadata_entry WHERE document_id = ?", arguments: [documentID])
        } else {
            try db.execute(
                sql: "INSERT INTO document(external_id, title, text, metadata, content_hash, shard) VALUES (?,?,?,?,?,?)",
                arguments: [write.externalID, write.title, write.text, metadataJSON, write.contentHash, write.shard])
            documentID = db.lastInsertedRowID
            changes.documentsInserted += 1
        }
        for entry in MetadataValue.filterEntries(write.metadata) {
            try db.execute(
                sql: "INSERT INTO metadata_entry(document_id, key, value) VALUES (?, ?, ?)",
                arguments: [documentID, entry.key, entry.value])
        }
        guard let chunks = write.chunks else { return }
        let insert = try db.cachedStatement(
            sql: "INSERT INTO chunk(document_id, ordinal, start, \"end\", shard, vector) VALUES (?,?,?,?,?,?)")
        for (ordinal, chunk) in chunks.enumerated() {
            try insert.execute(arguments: [
                documentID, ordinal, chunk.start, chunk.end, write.shard, Store.blob(chunk.vector),
            ])
            changes.added[write.shard, default: []].append(db.lastInsertedRowID)
        }
        touched.insert(write.shard)
    }

    private func remove(_ externalID: String, db: Database, changes: inout ChangeSet, touched: inout Set<Int>) throws {
        guard let row = try Row.fetchOne(
            db, sql: "SELECT id, shard FROM document WHERE external_id = ?", arguments: [externalID])
        else { return }
        let documentID: Int64 = row["id"]
        let shard: Int = row["shard"]
        let old = try Int64.fetchAll(db, sql: "SELECT id FROM chunk WHERE document_id = ?", arguments: [documentID])
        changes.removed[shard, default: []].append(contentsOf: old)
        // Chunks and metadata entries go with the document (ON DELETE CASCADE).
        try db.execute(sql: "DELETE FROM document WHERE id = ?", arguments: [documentID])
        touched.insert(shard)
        changes.documentsDeleted += 1
    }

    /// Deletes documents by external id in one transaction; unknown ids are returned, not errors.
    public func delete(externalIDs: [String]) throws -> (changes: ChangeSet, missing: [String]) {
        // An id with a NUL cannot be stored (text binds end at NUL), and looking it up would find a shorter id.
        let found = try fingerprints(externalIDs: externalIDs.filter { !$0.utf8.contains(0) })
        let missing = externalIDs.filter { found[$0] == nil }
        let changes = try apply([], deletes: externalIDs.filter { found[$0] != nil }, dimension: 0)
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
                try db.execute(sql: "UPDATE shard SET indexed_version = NULL")
            }
        }
    }

    static func document(_ row: Row) -> StoredDocument {
        StoredDocument(
            rowID: row["id"], externalID: row["external_id"], title: row["title"], text: row["text"],
            metadataJSON: row["metadata"], contentHash: row["content_hash"], shard: row["shard"])
    }

    /// Float32 components as little-endian bytes (the host order on every supported platform).
    static func blob(_ vector: [Float]) -> Data {
        vector.withUnsafeBufferPointer { Data(buffer: $0) }
    }
}
