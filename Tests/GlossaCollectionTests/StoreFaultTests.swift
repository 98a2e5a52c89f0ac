// Store faults on a real collection (real SQLite, real FAISS, the bag-of-words encoder): a disk that fills up
// during ingest, a read-only mount, a damaged or truncated collection.sqlite, a shard file copied in from another
// collection. Each must give a clear error or a rebuild with its reason: never a crash, never a silently wrong answer.
import Foundation
import GlossaCollection
import GlossaCore
import GlossaSearch
import GlossaStore
import GlossaTestSupport
import Testing

@Suite(.serialized)
struct StoreFaultTests {
    private static func search(_ collection: DocumentCollection, _ text: String) throws -> [String] {
        try Searcher(collection: collection, encoder: BagOfWordsEncoder()).search(text, k: 3).map(\.id)
    }

    // MARK: - Disk full

    @Test("disk full during ingest: a clear error naming the collection, nothing corrupted, the rerun finishes",
          .enabled(if: TmpfsMount.testsEnabled, "needs root to mount a size-limited tmpfs"))
    func diskFull() throws {
        let mount = try TmpfsMount(size: "16m")
        defer { mount.unmount() }
        let inputs = try Fixture.folder("diskfull")
        defer { try? FileManager.default.removeItem(at: inputs) }
        // 600 documents make a database of several MB; the filler leaves far less than that.
        let input = try Fixture.jsonl(Fixture.corpus(600), in: inputs)
        let filler = mount.url.appendingPathComponent("filler")
        try Data(count: 15_950_000).write(to: filler)
        let folder = mount.url.appendingPathComponent("c")

        var failure: (any Error)?
        do {
            let collection = try Fixture.open(folder, backend: FaissBackend())
            _ = try collection.ingest(inputs: [input], encoder: BagOfWordsEncoder(), options: IngestOptions(batchSize: 50))
        } catch {
            failure = error
        }
        let error = try #require(failure, "600 documents fitted in 830 KB: the filler is too small for this test")
        let message = "\(error)"
        #expect(message.contains(folder.path), "the error does not name the collection: \(message)")
        #expect(message.contains("full") || message.contains("No space left"),
                "the error does not say the disk is full: \(message)")

        // What was committed before the disk filled is intact and consistent.
        try FileManager.default.removeItem(at: filler)
        let reopened = try Fixture.open(folder, backend: FaissBackend())
        let partial = try reopened.store.counts().documents
        #expect(partial < 600)
        #expect(try reopened.store.integrityProblems().isEmpty)
        // The same ingest, with space again, finishes: every document exactly once, verify clean.
        let report = try reopened.ingest(inputs: [input], encoder: BagOfWordsEncoder(), options: IngestOptions(batchSize: 50))
        #expect(report.inserted + report.unchanged == 600, "\(report)")
        #expect(try reopened.store.counts() == (600, 600))
        let verify = try reopened.verify()
        #expect(verify.isConsistent, "\(verify.problems)")
        #expect(try Self.search(reopened, "uniq599 tag599").first == "doc-599")
    }

    // MARK: - Read-only media

    @Test("a read-only collection folder: search works, writes are refused naming the read-only database",
          .enabled(if: TmpfsMount.testsEnabled, "needs root to mount a tmpfs read-only"))
    func readOnlyMount() throws {
        let mount = try TmpfsMount(size: "16m")
        defer { mount.unmount() }
        let inputs = try Fixture.folder("readonly")
        defer { try? FileManager.default.removeItem(at: inputs) }
        let input = try Fixture.jsonl(Fixture.corpus(20), in: inputs)
        let folder = mount.url.appendingPathComponent("c")
        do {
            let collection = try Fixture.open(folder, backend: FaissBackend())
            _ = try collection.ingest(inputs: [input], encoder: BagOfWordsEncoder())
        }
        try mount.remount(readOnly: true)

        let reader = try Fixture.open(folder, backend: FaissBackend(), writable: false)
        #expect(try Self.search(reader, "uniq7 tag7").first == "doc-7")
        #expect(reader.shardRepairs.isEmpty, "\(reader.shardRepairs)")
        #expect(try reader.verify().isConsistent)

        #expect {
            _ = try Fixture.open(folder, backend: FaissBackend(), writable: true)
        } throws: { error in
            let message = "\(error)"
            return message.contains("read-only") && message.contains(folder.path)
        }
    }

    // MARK: - Damaged database

    @Test("a collection.sqlite overwritten with garbage or cut in half is refused with the reason, never trusted",
          arguments: ["garbage header", "truncated", "garbage pages"])
    func damagedDatabase(damage: String) throws {
        let folder = try Fixture.folder("damaged")
        defer { try? FileManager.default.removeItem(at: folder) }
        let input = try Fixture.jsonl(Fixture.corpus(400), in: folder)
        let path = folder.appendingPathComponent("c")
        do {
            let collection = try Fixture.open(path, backend: FaissBackend())
            _ = try collection.ingest(inputs: [input], encoder: BagOfWordsEncoder())
        }
        let database = DocumentCollection.databasePath(path)
        let handle = try #require(FileHandle(forUpdatingAtPath: database))
        let size = try handle.seekToEnd()
        switch damage {
        case "garbage header":
            try handle.seek(toOffset: 0)
            try handle.write(contentsOf: Data(repeating: 0xA5, count: 100))
        case "truncated":
            try handle.truncate(atOffset: size / 2)
        default:
            // Pages in the middle of the file (the chunk table) overwritten, the header left intact.
            try handle.seek(toOffset: size / 3)
            try handle.write(contentsOf: Data(repeating: 0x5A, count: 64 * 1024))
        }
        try handle.close()

        // Either opening refuses, or verify reports the damage: a clean bill of health is the one wrong outcome.
        do {
            let collection = try Fixture.open(path, backend: FaissBackend(), writable: false)
            let report = try collection.verify()
            #expect(!report.isConsistent, "verify passed on a damaged database (\(damage))")
        } catch let error as StoreError {
            let message = "\(error)"
            #expect(message.contains(database), "the error does not name the database: \(message)")
            #expect(message.contains("damaged"), "the error does not say the file is damaged: \(message)")
        } catch let error as IngestError {
            // A manifest that cannot be read makes the folder "not a collection"; the message names it.
            #expect("\(error)".contains(path.path), "\(error)")
        }
    }

    // MARK: - A shard file from another collection

    @Test("a shard file copied from another collection (same count, same ids) is rebuilt with the reason")
    func foreignShardFile() throws {
        let root = try Fixture.folder("foreign")
        defer { try? FileManager.default.removeItem(at: root) }
        // Collection B holds the same ids with the texts in reverse order: its file would send every query of A
        // to the wrong document, since chunk ids in both run from 1.
        let mine = Fixture.corpus(30)
        let theirs = (0..<30).map { i -> [String: Any] in
            var document = Fixture.document(29 - i)
            document["id"] = "doc-\(i)"
            return document
        }
        let a = root.appendingPathComponent("a"), b = root.appendingPathComponent("b")
        for (folder, corpus, name) in [(a, mine, "a.jsonl"), (b, theirs, "b.jsonl")] {
            let collection = try Fixture.open(folder, backend: FaissBackend())
            _ = try collection.ingest(inputs: [try Fixture.jsonl(corpus, in: root, name: name)], encoder: BagOfWordsEncoder())
        }
        let shard = "shard-000.faiss"
        try FileManager.default.removeItem(at: a.appendingPathComponent(shard))
        try FileManager.default.copyItem(at: b.appendingPathComponent(shard), to: a.appendingPathComponent(shard))

        let checked = try Fixture.open(a, backend: FaissBackend(), writable: false)
        let verify = try checked.verify()
        #expect(verify.problems.contains { $0.contains("not the file SQLite recorded") }, "\(verify.problems)")
        #expect(checked.shardRepairs.count == 1 && checked.shardRepairs[0].contains("another collection"),
                "\(checked.shardRepairs)")
        #expect(try Self.search(checked, "uniq5 tag5").first == "doc-5")

        // A writable open rewrites the file, after which it is trusted again.
        let repaired = try Fixture.open(a, backend: FaissBackend())
        #expect(repaired.shardRepairs.count == 1)
        let again = try Fixture.open(a, backend: FaissBackend(), writable: false)
        #expect(again.shardRepairs.isEmpty)
        #expect(try again.verify().isConsistent)
    }
}
