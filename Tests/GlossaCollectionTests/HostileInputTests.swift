// Hostile input through the real ingest path (real SQLite and FAISS, the bag-of-words encoder): SQL
// metacharacters in metadata and filters, path-like and NUL-carrying ids, 100 MB lines, deeply nested JSON and
// invalid UTF-8 in every text field. Each has one defined outcome: stored exactly as given, or refused naming
// file, line and field. Nothing else stored is touched.
import Foundation
import GlossaCollection
import GlossaCore
import GlossaSearch
import GlossaStore
import GlossaTestSupport
import Testing

@Suite struct HostileInputTests {
    /// Ingests `lines` (raw JSON Lines bytes) into a fresh collection with `Fixture.corpus(5)` already stored.
    private static func ingest(_ lines: [Data], name: String = "hostile.jsonl") throws
        -> (collection: DocumentCollection, report: IngestReport, folder: URL, input: String)
    {
        let folder = try Fixture.folder("hostile")
        let collection = try Fixture.open(folder.appendingPathComponent("c"), backend: FaissBackend())
        _ = try collection.ingest(inputs: [try Fixture.jsonl(Fixture.corpus(5), in: folder)], encoder: BagOfWordsEncoder())
        let input = folder.appendingPathComponent(name).path
        var data = Data()
        for line in lines { data += line + Data("\n".utf8) }
        try data.write(to: URL(fileURLWithPath: input))
        let report = try collection.ingest(inputs: [input], encoder: BagOfWordsEncoder())
        return (collection, report, folder, input)
    }

    private static func json(_ object: [String: Any]) throws -> Data {
        try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
    }

    private static func search(_ collection: DocumentCollection, _ text: String, filters: [MetadataFilter] = [])
        throws -> [String]
    {
        try Searcher(collection: collection, encoder: BagOfWordsEncoder()).search(text, k: 10, filters: filters).map(\.id)
    }

    @Test("SQL metacharacters and quotes in metadata keys, values and filters are data, never SQL")
    func sqlMetacharacters() throws {
        let key = "k'); DROP TABLE document; --"
        let value = "v\" OR 1=1 -- '; DELETE FROM chunk WHERE '1'='1"
        let (collection, report, folder, _) = try Self.ingest([
            try Self.json(["id": "sql-1", "text": "uniqsql one", "metadata": [key: value, "lang": "en' OR '1'='1"]]),
            try Self.json(["id": "sql-2", "text": "uniqsql two", "metadata": ["lang": "en"]]),
        ])
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(report.inserted == 2)
        #expect(try collection.store.counts() == (7, 7))
        #expect(try Self.search(collection, "uniqsql", filters: [MetadataFilter(key: key, value: value)]) == ["sql-1"])
        // The injection-shaped value matches only itself, not every document.
        #expect(try Self.search(collection, "uniqsql", filters: [MetadataFilter(key: "lang", value: "en' OR '1'='1")])
            == ["sql-1"])
        #expect(try Self.search(collection, "uniqsql", filters: [MetadataFilter(key: "lang", value: "en")]).contains("sql-2"))
        #expect(try Self.search(collection, "uniqsql", filters: [MetadataFilter(parsing: "' OR 1=1 --=x")]).isEmpty)
        let stored = try #require(try collection.store.document(externalID: "sql-1"))
        #expect(try MetadataValue.parseObject(stored.metadataJSON)[key] == .string(value))
        #expect(try collection.verify().isConsistent)
    }

    @Test("ids with ../, slashes and quotes are stored and found exactly as given; they are never paths")
    func pathLikeIDs() throws {
        let ids = ["../../etc/passwd", "/abs/olute", "..", "quote'\"id", "ümlaut/..\\x", "c/../../../escape"]
        let (collection, report, folder, _) = try Self.ingest(
            try ids.enumerated().map { try Self.json(["id": $1, "text": "uniqid\($0) some text"]) })
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(report.inserted == ids.count, "\(report)")
        for (index, id) in ids.enumerated() {
            let document = try #require(try collection.store.document(externalID: id), "id \(id.debugDescription)")
            #expect(document.externalID == id && document.text == "uniqid\(index) some text")
            #expect(try Self.search(collection, "uniqid\(index)").first == id)
        }
        // Nothing was created beside the collection from an id.
        let entries = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        #expect(entries == ["c", "docs.jsonl", "hostile.jsonl"], "\(entries)")
        #expect(!FileManager.default.fileExists(atPath: folder.deletingLastPathComponent().appendingPathComponent("escape").path))
        #expect(try collection.verify().isConsistent)
    }

    @Test("a NUL byte in id, title, text or metadata is refused naming the field; lookups and filters with NUL find nothing")
    func nulBytes() throws {
        // Before the fix, "a\0b" was stored as "a" (SQLite text binds end at NUL), so two ids collided silently.
        let (collection, report, folder, input) = try Self.ingest([
            try Self.json(["id": "a\u{0}b", "text": "uniqnul one"]),
            try Self.json(["id": "t", "title": "x\u{0}", "text": "uniqnul two"]),
            try Self.json(["id": "u", "text": "uniqnul\u{0}three"]),
            try Self.json(["id": "m", "text": "uniqnul four", "metadata": ["k": ["x", "v\u{0}w"]]]),
            try Self.json(["id": "a", "text": "uniqnul five", "metadata": ["k": "v"]]),
        ])
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(report.inserted == 1 && report.skipped == 4, "\(report)")
        for (line, field) in [(1, "id"), (2, "title"), (3, "text"), (4, "metadata.k")] {
            #expect(report.issues.contains { "\($0)".contains("\(input):\(line)") && "\($0)".contains("'\(field)'")
                && "\($0)".contains("NUL") }, "line \(line): \(report.issues)")
        }
        #expect(try collection.store.document(externalID: "a\u{0}b") == nil)
        #expect(try collection.store.document(externalID: "a")?.text == "uniqnul five")
        #expect(try collection.delete(externalIDs: ["a\u{0}zzz"]).deleted == 0)
        #expect { try MetadataFilter(parsing: "k=v\u{0}w") } throws: { "\($0)".contains("NUL character") }
    }

    @Test("a 100 MB line is refused naming its line, in bounded memory, and the lines around it are read")
    func hundredMegabyteLine() throws {
        let folder = try Fixture.folder("longline")
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("long.jsonl").path
        FileManager.default.createFile(atPath: path, contents: nil)
        let handle = try #require(FileHandle(forWritingAtPath: path))
        try handle.write(contentsOf: try Self.json(["id": "before", "text": "uniqbefore"]) + Data("\n".utf8))
        try handle.write(contentsOf: Data(#"{"id": "huge", "text": ""#.utf8))
        let block = Data(repeating: UInt8(ascii: "a"), count: 1 << 20)
        for _ in 0..<100 { try handle.write(contentsOf: block) }
        try handle.write(contentsOf: Data("\"}\n".utf8) + (try Self.json(["id": "after", "text": "uniqafter"])) + Data("\n".utf8))
        try handle.close()

        // The reader itself: three lines, the middle one reported by length with no bytes kept.
        let lines = Array(try LineReader(path: path))
        try #require(lines.count == 3)
        let (first, middle, last) = (lines[0], lines[1], lines[2])
        #expect(first.number == 1 && last.number == 3 && middle.number == 2)
        #expect(middle.bytes.isEmpty && middle.overlongLength == 100 * (1 << 20) + 26)
        #expect(throws: InputError.lineTooLong(path: path, line: 2, bytes: 100 * (1 << 20) + 26, limit: LineReader.maxLineBytes)) {
            _ = try middle.text(path: path)
        }
        #expect(try last.text(path: path).contains("uniqafter"))

        // Through ingest: a bad line naming file:2, the neighbours stored.
        let collection = try Fixture.open(folder.appendingPathComponent("c"), backend: FaissBackend())
        let report = try collection.ingest(inputs: [path], encoder: BagOfWordsEncoder())
        #expect(report.inserted == 2 && report.skipped == 1, "\(report)")
        #expect(report.issues.contains { "\($0)".contains("\(path):2") && "\($0)".contains("over the limit") },
                "\(report.issues)")
    }

    @Test("a line at exactly the limit is kept whole")
    func lineAtTheLimit() throws {
        let folder = try Fixture.folder("limitline")
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("limit.txt").path
        try (Data(repeating: UInt8(ascii: "b"), count: LineReader.maxLineBytes - 1) + Data("\r\nx".utf8))
            .write(to: URL(fileURLWithPath: path))
        let lines = Array(try LineReader(path: path))
        try #require(lines.count == 2)
        // The \r counts towards the limit until it is dropped.
        #expect(lines[0].overlongLength == nil && lines[0].bytes.count == LineReader.maxLineBytes - 1)
        #expect(lines[1].bytes == [UInt8(ascii: "x")])
    }

    @Test("deeply nested JSON in a corpus line is refused naming the line; moderately nested metadata is kept")
    func deeplyNestedJSON() throws {
        let deep = Data(#"{"id": "deep", "text": "t", "metadata": {"a": "#.utf8) + Data(String(repeating: "[", count: 100_000).utf8)
            + Data(String(repeating: "]", count: 100_000).utf8) + Data("}}".utf8)
        var nested: Any = "leaf"
        for _ in 0..<200 { nested = ["n": nested] }
        let (collection, report, folder, input) = try Self.ingest([
            deep, try Self.json(["id": "nested", "text": "uniqnested", "metadata": ["x": nested]]),
        ])
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(report.inserted == 1 && report.skipped == 1, "\(report)")
        #expect(report.issues.contains { "\($0)".contains("\(input):1") }, "\(report.issues)")
        let key = "x" + String(repeating: ".n", count: 200)
        #expect(try Self.search(collection, "uniqnested", filters: [MetadataFilter(key: key, value: "leaf")]) == ["nested"])
    }

    @Test("invalid UTF-8 in any field of a JSON Lines, TSV, folder or queries input is refused naming file and line")
    func invalidUTF8() throws {
        let bad: [UInt8] = [0xC3, 0x28, 0xFF, 0xED, 0xA0, 0x80]
        // The bad bytes go inside the chosen field's string; every other field is valid.
        func line(_ field: String) -> Data {
            let values = ["id": "u-\(field)", "text": "uniqutf", "title": "t", "metadata": "v"]
            func value(_ name: String) -> Data {
                Data(values[name, default: ""].utf8) + (name == field ? Data(bad) : Data())
            }
            return Data(#"{"id": ""#.utf8) + value("id") + Data(#"", "text": ""#.utf8) + value("text")
                + Data(#"", "title": ""#.utf8) + value("title") + Data(#"", "metadata": {"k": ""#.utf8)
                + value("metadata") + Data(#""}}"#.utf8)
        }
        let fields = ["id", "text", "title", "metadata"]
        let (collection, report, folder, input) = try Self.ingest(fields.map(line) + [
            try Self.json(["id": "fine", "text": "uniqfine"]),
        ])
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(report.inserted == 1 && report.skipped == fields.count, "\(report)")
        for number in 1...fields.count {
            #expect(report.issues.contains { "\($0)".contains("\(input):\(number)") && "\($0)".contains("UTF-8") },
                    "line \(number): \(report.issues)")
        }
        #expect(try collection.store.counts().documents == 6)

        // TSV and folder inputs, and a queries file.
        let tsv = folder.appendingPathComponent("bad.tsv")
        try (Data("ok\tuniqtsv\n".utf8) + Data([0x62, 0x09] + bad + [0x0A])).write(to: tsv)
        let tsvReport = try collection.ingest(inputs: [tsv.path], encoder: BagOfWordsEncoder())
        #expect(tsvReport.inserted == 1 && tsvReport.issues.contains { "\($0)".contains("\(tsv.path):2") })
        let notes = folder.appendingPathComponent("notes")
        try FileManager.default.createDirectory(at: notes, withIntermediateDirectories: true)
        try Data(bad).write(to: notes.appendingPathComponent("bad.txt"))
        let folderReport = try collection.ingest(inputs: [notes.path], encoder: BagOfWordsEncoder())
        #expect(folderReport.inserted == 0 && folderReport.issues.contains { "\($0)".contains("bad.txt") })
        let queries = folder.appendingPathComponent("queries.jsonl")
        try (Data(#"{"_id": "q", "text": "x"#.utf8) + Data(bad) + Data("\"}\n".utf8)).write(to: queries)
        #expect { try Query.read(path: queries.path) } throws: { "\($0)".contains("\(queries.path):1") }
    }

    @Test("a lone surrogate escape in a JSON string is refused or replaced, never stored as broken UTF-8")
    func loneSurrogateEscape() throws {
        let (collection, report, folder, _) = try Self.ingest([Data(#"{"id": "sur", "text": "uniqsur \udc00 x"}"#.utf8)])
        defer { try? FileManager.default.removeItem(at: folder) }
        if report.inserted == 1 {
            let document = try #require(try collection.store.document(externalID: "sur"))
            #expect(String(validating: Array(document.text.utf8), as: UTF8.self) != nil)
        } else {
            #expect(report.skipped == 1 && !report.issues.isEmpty)
        }
    }
}
