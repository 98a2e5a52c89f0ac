// Reading chunks back: vectors for (re)building FAISS shards, records for displaying hits, and
// exact metadata filtering in SQL.
import Foundation
import GRDB

extension Store {
    /// Streams the chunk ids and vectors of `shard` in id order, `pageSize` rows at a time.
    /// `body` receives the ids and the vectors flattened row-major (`ids.count * dimension` floats).
    public func forEachVectorPage(shard: Int, dimension: Int, pageSize: Int = 8_192,
                                  _ body: ([Int64], [Float]) throws -> Void) throws {
        var after: Int64 = -1
        while true {
            let page = try perform("reading vectors of shard \(shard)") {
                try writer.read { db in
                    try Row.fetchAll(
                        db, sql: "SELECT id, vector FROM chunk WHERE shard = ? AND id > ? ORDER BY id LIMIT ?",
                        arguments: [shard, after, pageSize])
                }
            }
            guard let last = page.last else { return }
            var ids: [Int64] = []
            var flat: [Float] = []
            ids.reserveCapacity(page.count)
            flat.reserveCapacity(page.count * dimension)
            for row in page {
                let id: Int64 = row["id"]
                try appendVector(row["vector"], chunkID: id, dimension: dimension, to: &flat)
                ids.append(id)
            }
            try body(ids, flat)
            after = last["id"]
        }
    }

    /// The vectors of the chunks `ids` (in the order given; unknown ids are skipped) and the ids found.
    public func vectors(ids: [Int64], dimension: Int) throws -> (ids: [Int64], vectors: [Float]) {
        let rows = try perform("reading \(ids.count) vectors") {
            try writer.read { db in
                var byID: [Int64: Data] = [:]
                for start in stride(from: 0, to: ids.count, by: 500) {
                    let slice = Array(ids[start..<min(start + 500, ids.count)])
                    let marks = Array(repeating: "?", count: slice.count).joined(separator: ",")
                    for row in try Row.fetchAll(
                        db, sql: "SELECT id, vector FROM chunk WHERE id IN (\(marks))", arguments: StatementArguments(slice))
                    {
                        byID[row["id"]] = row["vector"]
                    }
                }
                return byID
            }
        }
        var found: [Int64] = []
        var flat: [Float] = []
        for id in ids {
            guard let data = rows[id] else { continue }
            try appendVector(data, chunkID: id, dimension: dimension, to: &flat)
            found.append(id)
        }
        return (found, flat)
    }

    /// All chunk ids of `shard`, ascending.
    public func chunkIDs(shard: Int) throws -> [Int64] {
        try perform("listing chunks of shard \(shard)") {
            try writer.read { db in
                try Int64.fetchAll(db, sql: "SELECT id FROM chunk WHERE shard = ? ORDER BY id", arguments: [shard])
            }
        }
    }

    /// Chunks with their documents, keyed by chunk id (unknown ids are absent).
    public func chunkRecords(ids: [Int64]) throws -> [Int64: ChunkRecord] {
        try perform("reading \(ids.count) chunks") {
            try writer.read { db in
                var result: [Int64: ChunkRecord] = [:]
                for start in stride(from: 0, to: ids.count, by: 500) {
                    let slice = Array(ids[start..<min(start + 500, ids.count)])
                    let marks = Array(repeating: "?", count: slice.count).joined(separator: ",")
                    let rows = try Row.fetchAll(
                        db,
                        sql: """
                            SELECT c.id AS chunk_id, c.start, c."end", d.*
                            FROM chunk c JOIN document d ON d.id = c.document_id WHERE c.id IN (\(marks))
                            """,
                        arguments: StatementArguments(slice))
                    for row in rows {
                        let id: Int64 = row["chunk_id"]
                        result[id] = ChunkRecord(chunkID: id, start: row["start"], end: row["end"], document: Store.document(row))
                    }
                }
                return result
            }
        }
    }

    /// The owning document of each chunk in `ids` (row id, external id) and the chunk's byte span,
    /// keyed by chunk id (unknown ids are absent). Reads no text, title or metadata, so ranking and
    /// grouping thousands of chunks per query stays cheap; `chunkRecords(ids:)` fetches the rest.
    public func chunkOwners(ids: [Int64]) throws -> [Int64: ChunkOwner] {
        try perform("reading the documents of \(ids.count) chunks") {
            try writer.read { db in
                var result: [Int64: ChunkOwner] = [:]
                result.reserveCapacity(ids.count)
                for start in stride(from: 0, to: ids.count, by: 500) {
                    let slice = Array(ids[start..<min(start + 500, ids.count)])
                    let marks = Array(repeating: "?", count: slice.count).joined(separator: ",")
                    let rows = try Row.fetchCursor(
                        db,
                        sql: """
                            SELECT c.id, c.document_id, c.start, c."end", d.external_id
                            FROM chunk c JOIN document d ON d.id = c.document_id WHERE c.id IN (\(marks))
                            """,
                        arguments: StatementArguments(slice))
                    while let row = try rows.next() {
                        let id: Int64 = row[0]
                        result[id] = ChunkOwner(
                            chunkID: id, documentRowID: row[1], start: row[2], end: row[3], externalID: row[4])
                    }
                }
                return result
            }
        }
    }

    /// Ids of the chunks whose document matches EVERY filter (`key == value` on the flattened
    /// metadata, see `MetadataValue.filterEntries`), ascending, at most `limit` (nil: all).
    public func chunkIDs(matching filters: [(key: String, value: String)], limit: Int? = nil) throws -> [Int64] {
        precondition(!filters.isEmpty, "chunkIDs(matching:) needs at least one filter")
        var (clauses, arguments) = Self.metadataClauses(filters)
        var sql = "SELECT c.id FROM chunk c WHERE " + clauses.joined(separator: " AND ") + " ORDER BY c.id"
        if let limit {
            sql += " LIMIT ?"
            arguments.append(limit)
        }
        return try perform("filtering by metadata") {
            try writer.read { db in try Int64.fetchAll(db, sql: sql, arguments: StatementArguments(arguments)) }
        }
    }

    /// How many chunks match every filter.
    public func countChunks(matching filters: [(key: String, value: String)]) throws -> Int {
        let (clauses, arguments) = Self.metadataClauses(filters)
        let sql = "SELECT COUNT(*) FROM chunk c" + (clauses.isEmpty ? "" : " WHERE " + clauses.joined(separator: " AND "))
        return try perform("counting filtered chunks") {
            try writer.read { db in try Int.fetchOne(db, sql: sql, arguments: StatementArguments(arguments)) ?? 0 }
        }
    }

    func appendVector(_ data: Data, chunkID: Int64, dimension: Int, to flat: inout [Float]) throws {
        guard data.count == dimension * MemoryLayout<Float>.size else {
            throw StoreError.corruptVector(path: path, chunkID: chunkID, bytes: data.count, dimension: dimension)
        }
        data.withUnsafeBytes { raw in
            for index in 0..<dimension {
                flat.append(raw.loadUnaligned(fromByteOffset: index * 4, as: Float.self))
            }
        }
    }

    /// One `EXISTS` clause per filter over chunk alias `c`, with its bound values, for the two filter queries.
    static func metadataClauses(_ filters: [(key: String, value: String)])
        -> (clauses: [String], arguments: [any DatabaseValueConvertible])
    {
        var clauses: [String] = []
        var arguments: [any DatabaseValueConvertible] = []
        for filter in filters {
            clauses.append(
                "EXISTS (SELECT 1 FROM metadata_entry m WHERE m.document_id = c.document_id AND m.key = ? AND m.value = ?)")
            arguments.append(filter.key)
            arguments.append(filter.value)
        }
        return (clauses, arguments)
    }
}
