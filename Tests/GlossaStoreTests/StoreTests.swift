// GlossaStore against an in-memory model of the collection (a dictionary of documents), on
// both an in-memory database and a real WAL file: writes, deletes, chunk ids, vectors, filters.
import Foundation
import GRDB
import GlossaStore
import Testing

/// A tiny reference model: what the store should contain after a sequence of operations.
private struct ModelCollection {
    var documents: [String: DocumentWrite] = [:]
    mutating func apply(_ writes: [DocumentWrite], deletes: [String]) {
        for write in writes {
            if write.chunks == nil, var old = documents[write.externalID] {
                old.metadata = write.metadata
                documents[write.externalID] = old
            } else {
                documents[write.externalID] = write
            }
        }
        for id in deletes { documents[id] = nil }
    }
    var chunkCount: Int { documents.values.reduce(0) { $0 + ($1.chunks?.count ?? 0) } }
}

private let dimension = 4

private func vector(_ seed: Int) -> [Float] { (0..<dimension).map { Float(seed * 10 + $0) / 7 } }

private func write(_ id: String, chunks: Int, seed: Int, shard: Int = 0, lang: String = "en",
                   tags: [String] = []) -> DocumentWrite {
    DocumentWrite(
        externalID: id, title: "T \(id)", text: String(repeating: "x", count: 10 * chunks),
        metadata: ["lang": .string(lang), "tags": .array(tags.map { .string($0) }), "year": .number(2020)],
        contentHash: "h\(seed)", shard: shard,
        chunks: (0..<chunks).map { NewChunk(start: $0 * 10, end: $0 * 10 + 10, vector: vector(seed + $0)) })
}

private func makeStores() throws -> [(String, Store)] {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("glossa-store-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    return [("memory", try Store()), ("file", try Store(path: folder.appendingPathComponent("c.sqlite").path))]
}

@Suite struct StoreTests {
    @Test("the manifest round-trips and creates one shard row per shard")
    func manifestRoundTrip() throws {
        for (_, store) in try makeStores() {
            #expect(try store.manifest() == nil)
            let manifest = Manifest(modelName: "m", dimension: 4, indexType: "flat", shardCount: 3, chunkTokens: 512,
                                    chunkOverlap: 64)
            try store.setManifest(manifest)
            #expect(try store.manifest() == manifest)
            #expect(try store.shardStates().map(\.shard) == [0, 1, 2])
        }
    }

    @Test("inserts, replacements, metadata updates and deletes match the reference model")
    func writesMatchModel() throws {
        for (name, store) in try makeStores() {
            var model = ModelCollection()
            let first = [write("a", chunks: 2, seed: 1), write("b", chunks: 1, seed: 2, shard: 1), write("c", chunks: 3, seed: 3)]
            var changes = try store.apply(first, dimension: dimension)
            model.apply(first, deletes: [])
            #expect(changes.documentsInserted == 3, "\(name)")
            #expect(changes.added[0]?.count == 5 && changes.added[1]?.count == 1, "\(name)")
            let oldA = try store.chunkRecords(ids: changes.added[0] ?? []).values.filter { $0.document.externalID == "a" }
            #expect(oldA.count == 2)

            // Replace a (new content), update b's metadata only, delete c.
            var metadataOnly = write("b", chunks: 1, seed: 2, shard: 1, lang: "de")
            metadataOnly.chunks = nil
            let second = [write("a", chunks: 1, seed: 9), metadataOnly]
            changes = try store.apply(second, deletes: ["c"], dimension: dimension)
            model.apply(second, deletes: ["c"])
            #expect(changes.documentsReplaced == 1 && changes.documentsUpdated == 1 && changes.documentsDeleted == 1)
            #expect(Set(changes.removed[0] ?? []) == Set(oldA.map(\.chunkID)).union(changes.removed[0] ?? []))
            #expect(changes.removed[0]?.count == 5)
            // Chunk ids are never reused (AUTOINCREMENT): the new chunk's id is above every old one.
            #expect((changes.added[0]?.first ?? 0) > (oldA.map(\.chunkID).max() ?? .max))

            let counts = try store.counts()
            #expect(counts.documents == model.documents.count && counts.chunks == model.chunkCount, "\(name)")
            for (id, expected) in model.documents {
                let stored = try #require(try store.document(externalID: id))
                #expect(stored.text == expected.text && stored.title == expected.title)
                #expect(try MetadataValue.parseObject(stored.metadataJSON) == expected.metadata)
            }
            #expect(try store.document(externalID: "c") == nil)
        }
    }

    @Test("vectors come back bit for bit, in the order asked, per shard in id order")
    func vectorsRoundTrip() throws {
        for (_, store) in try makeStores() {
            let changes = try store.apply([write("a", chunks: 3, seed: 1), write("b", chunks: 2, seed: 5, shard: 2)],
                                          dimension: dimension)
            let ids = (changes.added[0] ?? []).reversed() + [999_999]
            let read = try store.vectors(ids: Array(ids), dimension: dimension)
            #expect(read.ids == Array((changes.added[0] ?? []).reversed()))
            #expect(read.vectors == [2, 1, 0].flatMap { vector(1 + $0) })
            var pages: [[Int64]] = []
            try store.forEachVectorPage(shard: 2, dimension: dimension, pageSize: 1) { ids, flat in
                pages.append(ids)
                #expect(flat.count == dimension)
            }
            #expect(pages == (changes.added[2] ?? []).map { [$0] })
        }
    }

    @Test("metadata filters are exact: every matching chunk and no other")
    func filtersExact() throws {
        for (_, store) in try makeStores() {
            var writes: [DocumentWrite] = []
            for index in 0..<40 {
                let lang = ["en", "de", "fr"][index % 3]
                let tags = index % 4 == 0 ? ["x", "y"] : ["y"]
                writes.append(write("d\(index)", chunks: 1 + index % 2, seed: index, lang: lang, tags: tags))
            }
            _ = try store.apply(writes, dimension: dimension)
            let cases: [[(key: String, value: String)]] = [
                [("lang", "de")], [("tags", "x")], [("lang", "fr"), ("tags", "x")], [("year", "2020")], [("lang", "es")],
            ]
            let records = try store.chunkRecords(ids: Array(1...200))
            for filters in cases {
                let expected = records.values.filter { record in
                    let entries = MetadataValue.filterEntries(
                        (try? MetadataValue.parseObject(record.document.metadataJSON)) ?? [:])
                    return filters.allSatisfy { f in entries.contains { $0.key == f.key && $0.value == f.value } }
                }.map(\.chunkID).sorted()
                #expect(try store.chunkIDs(matching: filters) == expected, "\(filters)")
                #expect(try store.countChunks(matching: filters) == expected.count)
            }
        }
    }

    @Test("a vector of the wrong dimension is refused and nothing of the batch is stored")
    func dimensionMismatch() throws {
        let store = try Store()
        _ = try store.apply([write("keep", chunks: 1, seed: 1)], dimension: dimension)
        var bad = write("bad", chunks: 1, seed: 2)
        bad.chunks = [NewChunk(start: 0, end: 1, vector: [1, 2])]
        #expect(throws: StoreError.self) { try store.apply([write("ok", chunks: 1, seed: 3), bad], dimension: dimension) }
        #expect(try store.counts().documents == 1)
        #expect(try store.document(externalID: "keep") != nil)
    }

    @Test("shard versions increase on change; markIndexed records the FAISS state")
    func shardVersions() throws {
        let store = try Store()
        try store.setManifest(Manifest(modelName: "m", dimension: 4, indexType: "flat", shardCount: 2,
                                       chunkTokens: 512, chunkOverlap: 64))
        _ = try store.apply([write("a", chunks: 1, seed: 1, shard: 1)], dimension: dimension)
        var states = try store.shardStates()
        #expect(states[0].version == 0 && states[1].version == 1 && !states[1].isCurrent)
        try store.markIndexed(shard: 1, version: states[1].version)
        states = try store.shardStates()
        #expect(states[1].isCurrent && states[1].chunkCount == 1)
        try store.reshard(count: 3) { _ in 2 }
        states = try store.shardStates()
        #expect(states.map(\.chunkCount) == [0, 0, 1] && states.allSatisfy { !$0.isCurrent })
    }

    @Test("a file database uses WAL and 16 KiB pages and keeps its data across reopen")
    func fileSettings() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("glossa-store-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let path = folder.appendingPathComponent("c.sqlite").path
        do {
            let store = try Store(path: path)
            _ = try store.apply([write("a", chunks: 2, seed: 1)], dimension: dimension)
        }
        let queue = try DatabaseQueue(path: path)
        let (pageSize, mode) = try queue.read { db in
            (try Int.fetchOne(db, sql: "PRAGMA page_size"), try String.fetchOne(db, sql: "PRAGMA journal_mode"))
        }
        #expect(pageSize == Store.pageSize && mode == "wal")
        let reopened = try Store(path: path, readOnly: true)
        #expect(try reopened.counts().chunks == 2)
        #expect(throws: StoreError.self) { try reopened.apply([write("b", chunks: 1, seed: 2)], dimension: dimension) }
    }

    @Test("errors name the database path: missing folder, not a database, newer schema")
    func openErrors() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("glossa-store-\(UUID().uuidString)")
        let missing = folder.appendingPathComponent("nope/c.sqlite").path
        #expect { try Store(path: missing) } throws: { "\($0)".contains(missing) }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let garbage = folder.appendingPathComponent("garbage.sqlite").path
        try Data(repeating: 0x41, count: 40_000).write(to: URL(fileURLWithPath: garbage))
        #expect { try Store(path: garbage) } throws: { "\($0)".contains(garbage) }
        let newer = folder.appendingPathComponent("newer.sqlite").path
        _ = try Store(path: newer)
        let queue = try DatabaseQueue(path: newer)
        try queue.write { db in try db.execute(sql: "INSERT INTO grdb_migrations VALUES ('v99-future')") }
        #expect { try Store(path: newer) } throws: { error in
            guard case StoreError.newerSchema = error else { return false }
            return "\(error)".contains("v99-future")
        }
    }
}
