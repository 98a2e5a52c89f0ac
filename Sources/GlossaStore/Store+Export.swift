// Reading whole documents back with their chunks and vectors, in one consistent snapshot: what
// `glossa export` writes into a bundle.
import Foundation
import GRDB

extension Store {
    /// Calls `body` for every document (of `shard`, or all when nil) in row-id order, with its chunk spans
    /// in ordinal order and their vectors flattened `(chunks, dimension)`. Runs in ONE read transaction, so a
    /// concurrent writer never shows half a change; reads `pageSize` documents per query.
    public func forEachDocumentWithChunks(
        shard: Int?, dimension: Int, pageSize: Int = 512,
        _ body: (StoredDocument, [Range<Int>], [Float]) throws -> Void
    ) throws {
        try perform("reading documents for export") {
            try writer.read { db in
                var after: Int64 = -1
                while true {
                    let documents = try Row.fetchAll(
                        db,
                        sql: "SELECT * FROM document WHERE id > ? AND (? IS NULL OR shard = ?) ORDER BY id LIMIT ?",
                        arguments: [after, shard, shard, pageSize]
                    ).map(Store.document)
                    guard let last = documents.last else { return }
                    let chunks = try Row.fetchCursor(
                        db,
                        sql: """
                            SELECT id, document_id, start, "end", vector FROM chunk
                            WHERE document_id BETWEEN ? AND ? AND (? IS NULL OR shard = ?) ORDER BY document_id, ordinal
                            """,
                        arguments: [documents[0].rowID, last.rowID, shard, shard])
                    var spans: [Int64: [Range<Int>]] = [:]
                    var vectors: [Int64: [Float]] = [:]
                    while let row = try chunks.next() {
                        let owner: Int64 = row[1]
                        spans[owner, default: []].append((row[2] as Int)..<(row[3] as Int))
                        var flat = vectors[owner] ?? []
                        try appendVector(row[4], chunkID: row[0], dimension: dimension, to: &flat)
                        vectors[owner] = flat
                    }
                    for document in documents {
                        try body(document, spans[document.rowID] ?? [], vectors[document.rowID] ?? [])
                    }
                    after = last.rowID
                }
            }
        }
    }
}
