// rebuild between index types and shard counts keeps every document searchable; verify finds
// missing, stale, corrupt and foreign shard files; open repairs them from SQLite.
import Foundation
import GlossaCollection
import GlossaSearch
import GlossaStore
import Testing

/// The ids of the documents NOT found in the top 10 for their own unique words (with 200 documents
/// hashed into 256 components, one document in 200 is only at rank 4-10: a fixture property).
private func documentsNotFound(_ collection: DocumentCollection, count: Int) throws -> [String] {
    let searcher = Searcher(collection: collection, encoder: BagOfWordsEncoder())
    let queries = (0..<count).map { Query(id: "doc-\($0)", text: "uniq\($0) tag\($0)") }
    let results = try searcher.search(queries: queries, k: 10, parameters: SearchOptions(nprobe: 64, efSearch: 128))
    return zip(queries, results).filter { query, hits in !hits.contains { $0.id == query.id } }
        .map { "\($0.0.id) → \($0.1.map(\.id))" }
}

@Suite struct RebuildVerifyTests {
    @Test("rebuild flat → ivf → hnsw → IVF4,Flat factory → flat, and re-shard, keeps every document searchable")
    func rebuildBetweenTypes() throws {
        let folder = try Fixture.folder()
        let path = folder.appendingPathComponent("c")
        do {
            // Closed at the end of this block, releasing the write lock for the rebuilds below.
            let collection = try Fixture.open(path, backend: FaissBackend())
            _ = try collection.ingest(inputs: [try Fixture.jsonl(Fixture.corpus(200), in: folder)], encoder: BagOfWordsEncoder())
        }
        for (type, shards) in [("ivf", 1), ("hnsw:16", 3), ("IVF4,Flat", 2), ("flat", 1)] {
            let writer = try DocumentCollection(folder: path, model: nil, writable: true, loadShards: false,
                                                backend: FaissBackend())
            try writer.rebuild(indexType: type, shardCount: shards)
            #expect(try writer.verify().isConsistent, "\(type)")
            let reader = try Fixture.open(path, backend: FaissBackend(), writable: false)
            #expect(reader.manifest.indexType == type && reader.manifest.shardCount == shards)
            let missing = try documentsNotFound(reader, count: 200)
            #expect(missing.isEmpty, "\(type): \(missing.count) not found, e.g. \(missing.prefix(3))")
            #expect(try reader.store.counts() == (200, 200))
        }
    }

    @Test("ingest into ivf trains on the stored vectors; later adds and deletes keep verify green")
    func ivfIncremental() throws {
        let folder = try Fixture.folder()
        let collection = try Fixture.open(folder.appendingPathComponent("c"), backend: FaissBackend(),
                                          settings: CollectionSettings(indexType: "ivf", shardCount: 2))
        _ = try collection.ingest(inputs: [try Fixture.jsonl(Fixture.corpus(150), in: folder)], encoder: BagOfWordsEncoder())
        _ = try collection.ingest(inputs: [try Fixture.jsonl((150..<170).map { Fixture.document($0) }, in: folder, name: "more.jsonl")],
                                  encoder: BagOfWordsEncoder())
        _ = try collection.delete(externalIDs: ["doc-1", "doc-160"])
        #expect(try collection.verify().isConsistent)
        #expect(collection.indexedChunks == 168)
    }

    @Test("verify reports a missing, a corrupt and a stale shard file; opening for writing repairs them")
    func verifyAndRepair() throws {
        let folder = try Fixture.folder()
        let path = folder.appendingPathComponent("c")
        let input = try Fixture.jsonl(Fixture.corpus(40), in: folder)
        for backend in Backends.all.map(\.backend) {
            try? FileManager.default.removeItem(at: path)
            do {
                let collection = try Fixture.open(path, backend: backend, settings: CollectionSettings(shardCount: 3))
                _ = try collection.ingest(inputs: [input], encoder: BagOfWordsEncoder())
                #expect(try collection.verify().isConsistent)
                try FileManager.default.removeItem(atPath: collection.shardPath(0))
                try Data("not an index".utf8).write(to: URL(fileURLWithPath: collection.shardPath(1)))
                // A document written behind the index's back (as a crash between commit and file write leaves it).
                _ = try collection.store.apply(
                    [DocumentWrite(externalID: "sneaky", title: nil, text: "uniq999", metadata: [:], contentHash: "h",
                                   shard: StableHash.shard(of: "sneaky", shardCount: 3),
                                   chunks: [NewChunk(start: 0, end: 7, vector: try BagOfWordsEncoder().embed(["uniq999"], kind: .passage)[0])])],
                    dimension: 256)
            }
            let checker = try DocumentCollection(folder: path, model: nil, writable: false, loadShards: false, backend: backend)
            let report = try checker.verify()
            #expect(!report.isConsistent)
            #expect(report.problems.contains { $0.contains("shard 0") } && report.problems.contains { $0.contains("shard 1") })
            #expect(report.problems.count >= 3, "\(report)")
            // Opening for writing rebuilds every bad shard from SQLite.
            let repaired = try Fixture.open(path, backend: backend)
            #expect(try repaired.verify().isConsistent)
            #expect(try Searcher(collection: repaired, encoder: BagOfWordsEncoder()).search("uniq999", k: 1).first?.id == "sneaky")
        }
    }

    @Test("info reports counts, settings and shard sizes")
    func info() throws {
        let folder = try Fixture.folder()
        let collection = try Fixture.open(folder.appendingPathComponent("c"), backend: FaissBackend(),
                                          settings: CollectionSettings(shardCount: 2, chunkTokens: 128, chunkOverlap: 16))
        _ = try collection.ingest(inputs: [try Fixture.jsonl(Fixture.corpus(25), in: folder)], encoder: BagOfWordsEncoder())
        let info = try collection.info()
        #expect(info.documents == 25 && info.chunks == 25 && info.shardChunks.reduce(0, +) == 25)
        #expect(info.model == "bag-of-words" && info.dimension == 256 && info.indexType == "flat")
        #expect(info.chunkTokens == 128 && info.chunkOverlap == 16 && info.shardFileBytes.allSatisfy { $0 > 0 })
        #expect(info.totalBytes > info.databaseBytes)
    }
}
