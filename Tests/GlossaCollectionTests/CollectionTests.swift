// Ingest, re-index, update, delete and reopen on every backend, against the expected contents.
import Foundation
import GlossaCollection
import GlossaSearch
import GlossaStore
import Testing

@Suite struct CollectionTests {
    @Test("ingest stores every document once; re-running stores and embeds nothing", arguments: Backends.all.indices)
    func ingestIdempotent(backendIndex: Int) throws {
        let backend = Backends.all[backendIndex].backend
        let folder = try Fixture.folder()
        let input = try Fixture.jsonl(Fixture.corpus(30), in: folder)
        let collection = try Fixture.open(folder.appendingPathComponent("c"), backend: backend)
        let first = try collection.ingest(inputs: [input], encoder: BagOfWordsEncoder(), options: IngestOptions(batchSize: 7))
        #expect(first.inserted == 30 && first.chunksEmbedded == 30 && first.skipped == 0)
        let second = try collection.ingest(inputs: [input], encoder: BagOfWordsEncoder())
        #expect(second.unchanged == 30 && second.chunksEmbedded == 0 && second.inserted == 0)
        #expect(try collection.store.counts() == (30, 30))
        #expect(try collection.verify().isConsistent)
    }

    @Test("a creation killed between the schema and the manifest is finished by the next writable open")
    func interruptedCreation() throws {
        let folder = try Fixture.folder().appendingPathComponent("c")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        // What a kill -9 right after `Store(path:)` leaves: the schema, no manifest, no rows.
        _ = try Store(path: DocumentCollection.databasePath(folder))
        let encoder = BagOfWordsEncoder()
        // Without creation settings (search, info, verify) it is still no collection, named as such.
        #expect(throws: IngestError.self) {
            try DocumentCollection(folder: folder, model: nil, writable: false, backend: FaissBackend())
        }
        let collection = try Fixture.open(folder, backend: FaissBackend(), settings: CollectionSettings(shardCount: 2))
        #expect(collection.manifest.shardCount == 2 && collection.manifest.modelName == encoder.modelName)
        let report = try collection.ingest(inputs: [try Fixture.jsonl(Fixture.corpus(12), in: folder)], encoder: encoder)
        #expect(report.inserted == 12)
        #expect(try collection.verify().isConsistent)
    }

    @Test("a changed document is re-embedded and found by its new words, not its old ones",
          arguments: Backends.all.indices)
    func updateTakesEffect(backendIndex: Int) throws {
        let backend = Backends.all[backendIndex].backend
        let folder = try Fixture.folder()
        let collection = try Fixture.open(folder.appendingPathComponent("c"), backend: backend)
        _ = try collection.ingest(inputs: [try Fixture.jsonl(Fixture.corpus(20), in: folder)], encoder: BagOfWordsEncoder())
        var changed = Fixture.document(5)
        changed["text"] = "completely different zebra words here"
        var metadataOnly = Fixture.document(6)
        metadataOnly["metadata"] = ["lang": "xx"]
        let report = try collection.ingest(
            inputs: [try Fixture.jsonl([changed, metadataOnly], in: folder, name: "update.jsonl")], encoder: BagOfWordsEncoder())
        #expect(report.replaced == 1 && report.metadataUpdated == 1 && report.chunksEmbedded == 1)
        let searcher = Searcher(collection: collection, encoder: BagOfWordsEncoder())
        #expect(try searcher.search("zebra words", k: 1).first?.id == "doc-5")
        #expect(try searcher.search("uniq5 tag5", k: 3).contains { $0.id == "doc-5" } == false)
        #expect(try searcher.search("uniq6 tag6", k: 1).first?.metadata == ["lang": .string("xx")])
        #expect(try collection.store.counts() == (20, 20))
        #expect(try collection.verify().isConsistent)
    }

    @Test("deleted documents disappear from search, from SQLite and from the index", arguments: Backends.all.indices)
    func deleteTakesEffect(backendIndex: Int) throws {
        let backend = Backends.all[backendIndex].backend
        let folder = try Fixture.folder()
        let path = folder.appendingPathComponent("c")
        do {
            let collection = try Fixture.open(path, backend: backend)
            _ = try collection.ingest(inputs: [try Fixture.jsonl(Fixture.corpus(12), in: folder)], encoder: BagOfWordsEncoder())
            let (deleted, missing) = try collection.delete(externalIDs: ["doc-3", "doc-4", "nope"])
            #expect(deleted == 2 && missing == ["nope"])
        }
        // Reopen from disk: the shard files must reflect the delete.
        let reopened = try Fixture.open(path, backend: backend)
        let searcher = Searcher(collection: reopened, encoder: BagOfWordsEncoder())
        let hits = try searcher.search("uniq3 tag3", k: 12)
        #expect(hits.count == 10 && !hits.contains { $0.id == "doc-3" || $0.id == "doc-4" })
        #expect(reopened.indexedChunks == 10)
        #expect(try reopened.verify().isConsistent)
    }

    @Test("long documents are chunked on token boundaries; a hit carries its chunk's exact text and span")
    func chunking() throws {
        let folder = try Fixture.folder()
        let settings = CollectionSettings(chunkTokens: 16, chunkOverlap: 4)
        let collection = try Fixture.open(folder.appendingPathComponent("c"), backend: ExactBackend(), settings: settings)
        let words = (0..<60).map { "w\($0)" }
        let text = words.joined(separator: "  ")
        let input = try Fixture.jsonl([["id": "long", "text": text], ["id": "short", "text": "w1 w2"]], in: folder)
        let report = try collection.ingest(inputs: [input], encoder: BagOfWordsEncoder())
        // 60 tokens, window 16, stride 12: windows start at tokens 0, 12, 24, 36, 48, plus the short document.
        #expect(report.chunksEmbedded == 6)
        let searcher = Searcher(collection: collection, encoder: BagOfWordsEncoder())
        let hit = try #require(try searcher.search("w40 w41 w42 w43", k: 1).first)
        #expect(hit.id == "long")
        let utf8 = Array(text.utf8)
        #expect(hit.text == String(decoding: utf8[hit.chunk.start..<hit.chunk.end], as: UTF8.self))
        #expect(hit.text.hasPrefix("w") && hit.text.contains("w41") && hit.text.split(separator: " ").count <= 16)
    }

    @Test("duplicate ids within one input: the last occurrence wins and is reported")
    func duplicates() throws {
        let folder = try Fixture.folder()
        let collection = try Fixture.open(folder.appendingPathComponent("c"), backend: ExactBackend())
        let docs: [[String: Any]] = [["id": "d", "text": "first"], ["id": "e", "text": "other"], ["id": "d", "text": "second"]]
        let report = try collection.ingest(inputs: [try Fixture.jsonl(docs, in: folder)], encoder: BagOfWordsEncoder(),
                                           options: IngestOptions(batchSize: 1))
        #expect(report.duplicates == 1 && report.issues.contains { "\($0)".contains("docs.jsonl:3") })
        #expect(try collection.store.document(externalID: "d")?.text == "second")
        #expect(try collection.store.counts() == (2, 2))
        #expect(try collection.verify().isConsistent)
    }
}
