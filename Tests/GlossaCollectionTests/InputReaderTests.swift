// Input formats and their problems: every issue names file, line and field.
import Foundation
import GlossaCollection
import GlossaStore
import Testing

private func readAll(_ path: String) throws -> (documents: [InputDocument], issues: [IngestError]) {
    var documents: [InputDocument] = []
    var issues: [IngestError] = []
    try InputReader.read(path: path) { result in
        switch result {
        case .success(let document): documents.append(document)
        case .failure(let issue): issues.append(issue)
        }
    }
    return (documents, issues)
}

@Suite struct InputReaderTests {
    @Test("JSON Lines: Glossa and BEIR fields, numeric ids, metadata kept exactly")
    func jsonLines() throws {
        let folder = try Fixture.folder()
        let path = folder.appendingPathComponent("in.jsonl").path
        try """
            {"id":"a","text":"Alpha","title":"T","metadata":{"lang":"en","n":3,"ok":true}}
            {"_id":"b","title":"","text":"Beta"}

            {"id":7,"text":"Gamma"}
            """.write(toFile: path, atomically: true, encoding: .utf8)
        let (documents, issues) = try readAll(path)
        #expect(issues.isEmpty)
        #expect(documents.map(\.id) == ["a", "b", "7"])
        #expect(documents[0].metadata == ["lang": .string("en"), "n": .number(3), "ok": .bool(true)])
        #expect(documents[0].title == "T" && documents[1].title == nil)
        #expect(documents.map(\.line) == [1, 2, 4])
    }

    @Test("bad JSON lines are reported with file:line and field, good lines still read")
    func badLines() throws {
        let folder = try Fixture.folder()
        let path = folder.appendingPathComponent("bad.jsonl").path
        var data = Data("""
            {"id":"ok1","text":"fine"}
            {"id":"x","text":
            {"text":"no id"}
            {"id":"y"}
            {"id":"z","text":"   "}
            {"id":"w","text":5}
            {"id":"v","text":"t","metadata":[1]}
            [1,2]

            """.utf8)
        data.append(contentsOf: [0x7b, 0x22, 0x69, 0x64, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d, 0x0a])  // {"id":"\xff"}
        data.append(Data("{\"id\":\"ok2\",\"text\":\"fine too\"}\n".utf8))
        try data.write(to: URL(fileURLWithPath: path))
        let (documents, issues) = try readAll(path)
        #expect(documents.map(\.id) == ["ok1", "ok2"])
        let expected: [(Int, String?)] = [(2, nil), (3, "id"), (4, "text"), (5, "text"), (6, "text"), (7, "metadata"),
                                          (8, nil), (9, nil)]
        #expect(issues.count == expected.count)
        for (issue, (line, field)) in zip(issues, expected) {
            guard case .badInput(let file, let gotLine, let gotField, _) = issue else {
                Issue.record("unexpected \(issue)")
                continue
            }
            #expect(file == path && gotLine == line && gotField == field, "\(issue)")
            #expect("\(issue)".contains("\(path):\(line)"))
        }
        #expect("\(issues[7])".contains("UTF-8"))
    }

    @Test("TSV with header and optional title; folders of .txt/.md with relative-path ids")
    func tsvAndFolder() throws {
        let folder = try Fixture.folder()
        let tsv = folder.appendingPathComponent("c.tsv").path
        try "id\ttext\nt1\tFirst text\tA title\nt2\tSecond\nt3\n".write(toFile: tsv, atomically: true, encoding: .utf8)
        let (rows, rowIssues) = try readAll(tsv)
        #expect(rows.map(\.id) == ["t1", "t2"] && rows[0].title == "A title" && rows[1].title == nil)
        #expect(rowIssues.count == 1 && "\(rowIssues[0])".contains("\(tsv):4"))

        let tree = folder.appendingPathComponent("tree")
        try FileManager.default.createDirectory(at: tree.appendingPathComponent("sub"), withIntermediateDirectories: true)
        try "one".write(to: tree.appendingPathComponent("a.txt"), atomically: true, encoding: .utf8)
        try "# two".write(to: tree.appendingPathComponent("sub/b.md"), atomically: true, encoding: .utf8)
        try "ignored".write(to: tree.appendingPathComponent("c.json"), atomically: true, encoding: .utf8)
        try "  \n".write(to: tree.appendingPathComponent("empty.txt"), atomically: true, encoding: .utf8)
        let (files, fileIssues) = try readAll(tree.path)
        #expect(files.map(\.id) == ["a.txt", "sub/b.md"])
        #expect(fileIssues.count == 1 && "\(fileIssues[0])".contains("empty.txt"))
    }

    @Test("a missing input is an error naming the path")
    func missingInput() {
        #expect { try readAll("/nonexistent/glossa/in.jsonl") } throws: { "\($0)".contains("/nonexistent/glossa/in.jsonl") }
    }
}
