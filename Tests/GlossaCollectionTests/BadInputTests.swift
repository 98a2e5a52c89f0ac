// Failure cases: each asserts the error, that its message names the input, and that nothing
// already stored was lost (faiss test_io_corrupted style).
import Foundation
import GlossaCollection
import GlossaSearch
import GlossaStore
import Testing

private func seeded(_ folder: URL, backend: any IndexBackend = ExactBackend()) throws -> DocumentCollection {
    let collection = try Fixture.open(folder.appendingPathComponent("c"), backend: backend)
    _ = try collection.ingest(inputs: [try Fixture.jsonl(Fixture.corpus(10), in: folder)], encoder: BagOfWordsEncoder())
    return collection
}

private func intact(_ collection: DocumentCollection) throws -> Bool {
    let searcher = Searcher(collection: collection, encoder: BagOfWordsEncoder())
    var found = true
    for i in 0..<10 where try searcher.search("uniq\(i) tag\(i)", k: 1).first?.id != "doc-\(i)" { found = false }
    let counts = try collection.store.counts()
    let consistent = try collection.verify().isConsistent
    return found && counts == (10, 10) && consistent
}

@Suite struct BadInputTests {
    private static let badFile = """
        {"id":"new-1","text":"fresh uniq100"}
        {"id":"new-2","text":
        {"id":"new-3"}
        {"id":"new-4","text":""}
        {"id":"new-5","text":"fresh uniq105"}

        """

    @Test("bad lines are skipped and counted; good ones are stored; the report names file:line")
    func skipAndCount() throws {
        let folder = try Fixture.folder()
        let collection = try seeded(folder)
        let path = folder.appendingPathComponent("bad.jsonl").path
        try Self.badFile.write(toFile: path, atomically: true, encoding: .utf8)
        let report = try collection.ingest(inputs: [path], encoder: BagOfWordsEncoder())
        #expect(report.inserted == 2 && report.skipped == 3)
        #expect(report.issues.map { "\($0)" }.allSatisfy { $0.contains(path + ":") })
        #expect(report.description.contains("\(path):3: field 'text'"))
        #expect(try collection.store.counts() == (12, 12))
    }

    @Test("--strict fails on the first bad line naming it, and stores nothing from the input")
    func strict() throws {
        let folder = try Fixture.folder()
        let collection = try seeded(folder)
        let path = folder.appendingPathComponent("bad.jsonl").path
        try Self.badFile.write(toFile: path, atomically: true, encoding: .utf8)
        #expect {
            try collection.ingest(inputs: [path], encoder: BagOfWordsEncoder(), options: IngestOptions(strict: true))
        } throws: { error in
            guard case IngestError.badInput(let file, let line, _, _) = error else { return false }
            return file == path && line == 2 && "\(error)".contains("\(path):2")
        }
        #expect(try collection.store.document(externalID: "new-1") == nil)
        #expect(try intact(collection))
    }

    @Test("a collection made with another model or dimension is refused with the reason")
    func modelMismatch() throws {
        let folder = try Fixture.folder()
        let collection = try seeded(folder)
        for other in [BagOfWordsEncoder(modelName: "other-model"), BagOfWordsEncoder(dimension: 32)] {
            #expect {
                try DocumentCollection(folder: collection.folder, model: (other.modelName, other.dimension),
                                       create: CollectionSettings(), writable: true, backend: ExactBackend())
            } throws: { error in
                guard case IngestError.modelMismatch = error else { return false }
                return "\(error)".contains("bag-of-words") && "\(error)".contains(collection.folder.path)
            }
        }
        #expect {
            try DocumentCollection(folder: collection.folder, model: ("bag-of-words", 256),
                                   create: CollectionSettings(shardCount: 4), writable: false, backend: ExactBackend())
        } throws: { "\($0)".contains("--shards") }
        #expect(try intact(collection))
    }

    @Test("a second writer is refused while the first holds the lock; readers still work")
    func locked() throws {
        let folder = try Fixture.folder()
        let collection = try seeded(folder)
        #expect {
            try Fixture.open(collection.folder, backend: ExactBackend())
        } throws: { error in
            guard case IngestError.busy = error else { return false }
            return "\(error)".contains(collection.folder.path)
        }
        let reader = try Fixture.open(collection.folder, backend: ExactBackend(), writable: false)
        #expect(try intact(reader))
    }

    @Test("a read-only database refuses writes with a clear error and keeps its data")
    func readOnly() throws {
        let folder = try Fixture.folder()
        let path = folder.appendingPathComponent("c")
        do { _ = try seeded(folder) }
        let reader = try Fixture.open(path, backend: ExactBackend(), writable: false)
        #expect {
            try reader.store.apply([DocumentWrite(externalID: "x", title: nil, text: "t", metadata: [:], contentHash: "h",
                                                  shard: 0, chunks: [])], dimension: 256)
        } throws: { error in
            guard case StoreError.readOnly = error else { return false }
            return "\(error)".contains("collection.sqlite")
        }
        #expect(try intact(reader))
    }

    @Test("a missing collection, a missing input and a bad index type are named in the error")
    func missingThings() throws {
        let folder = try Fixture.folder()
        let nowhere = folder.appendingPathComponent("nowhere")
        #expect {
            try DocumentCollection(folder: nowhere, model: nil, writable: false, backend: FaissBackend())
        } throws: { "\($0)".contains(nowhere.path) }
        let collection = try seeded(folder)
        #expect {
            try collection.ingest(inputs: [folder.appendingPathComponent("absent.jsonl").path], encoder: BagOfWordsEncoder())
        } throws: { "\($0)".contains("absent.jsonl") }
        #expect {
            try Fixture.open(folder.appendingPathComponent("d"), backend: FaissBackend(),
                             settings: CollectionSettings(indexType: "NoSuchIndex42"))
        } throws: { "\($0)".contains("NoSuchIndex42") }
        #expect(try intact(collection))
    }
}
