// BEIR JSONL/TSV and TREC run files: round trips, the header line, and errors that name file and line.
import Foundation
import Testing

@testable import GlossaEval

@Suite struct FormatTests {
    func temporaryFile(_ contents: String, name: String = "input") throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("glossa-eval-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let path = folder.appendingPathComponent(name).path
        try Data(contents.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test("BEIR qrels: header skipped, tabs or spaces, TREC 4-column lines accepted")
    func qrels() throws {
        let path = try temporaryFile("query-id\tcorpus-id\tscore\nq1\td1\t1\nq1\td2\t0\n\nq2 0 d3 2\n")
        #expect(try BEIRFormat.readQrels(path: path) == ["q1": ["d1": 1, "d2": 0], "q2": ["d3": 2]])
    }

    @Test("qrels errors name the file and line")
    func qrelsErrors() throws {
        let bad = try temporaryFile("query-id\tcorpus-id\tscore\nq1\td1\tx\n")
        #expect(throws: EvalError.malformedLine(path: bad, line: 2, reason: "score 'x' is not an integer")) {
            try BEIRFormat.readQrels(path: bad)
        }
        let duplicate = try temporaryFile("q1\td1\t1\nq1\td1\t2\n")
        #expect(throws: EvalError.duplicateID(path: duplicate, line: 2, id: "q1 d1")) {
            try BEIRFormat.readQrels(path: duplicate)
        }
        #expect(throws: EvalError.unreadable(path: "/nonexistent/q.tsv", reason: "no such file, or permission denied")) {
            try BEIRFormat.readQrels(path: "/nonexistent/q.tsv")
        }
    }

    @Test("queries.jsonl: string or integer ids, metadata kept, bad lines named")
    func records() throws {
        let path = try temporaryFile(#"""
            {"_id": "q1", "text": "Wer?", "metadata": {"language": "de"}}
            {"_id": 7, "text": "Who?"}
            """#)
        let records = try BEIRFormat.readRecords(path: path)
        #expect(records == [BEIRRecord(id: "q1", text: "Wer?", metadata: ["language": "de"]),
                            BEIRRecord(id: "7", text: "Who?")])
        let noText = try temporaryFile(#"{"_id": "q1"}"#)
        #expect(throws: EvalError.malformedLine(path: noText, line: 1, reason: "no string field 'text'")) {
            try BEIRFormat.readRecords(path: noText)
        }
        let duplicate = try temporaryFile("{\"_id\":\"a\",\"text\":\"x\"}\n{\"_id\":\"a\",\"text\":\"y\"}\n")
        #expect(throws: EvalError.duplicateID(path: duplicate, line: 2, id: "a")) {
            try BEIRFormat.readRecords(path: duplicate)
        }
    }

    @Test("records and qrels written by the converter read back unchanged")
    func roundTrip() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("glossa-eval-\(UUID().uuidString)")
        let records = [BEIRRecord(id: "en-1", text: "A \"quoted\" / slashed line.", metadata: ["language": "en"]),
                       BEIRRecord(id: "zh-1", text: "中文句子。", title: "标题")]
        let corpus = folder.appendingPathComponent("corpus.jsonl").path
        try BEIRFormat.writeRecords(records, path: corpus)
        #expect(try BEIRFormat.readRecords(path: corpus) == records)
        let qrels: Qrels = ["q1": ["en-1": 1, "zh-1": 1], "q2": ["zh-1": 2]]
        let qrelsPath = folder.appendingPathComponent("qrels/test.tsv").path
        try BEIRFormat.writeQrels(qrels, order: ["q1", "q2"], path: qrelsPath)
        #expect(try BEIRFormat.readQrels(path: qrelsPath) == qrels)
    }

    @Test("TREC run: trec_eval order and ranks, exact scores, and it reads back")
    func trecRun() throws {
        let run: Run = ["q1": [ScoredDocument(id: "a", score: 0.5), ScoredDocument(id: "c", score: 0.75),
                               ScoredDocument(id: "b", score: 0.5)]]
        let text = try TrecRun.render(run, order: ["q1", "absent"], tag: "t")
        #expect(text == "q1 Q0 c 1 0.75 t\nq1 Q0 b 2 0.5 t\nq1 Q0 a 3 0.5 t\n")
        let path = try temporaryFile(text, name: "run.trec")
        let back = try TrecRun.read(path: path)
        #expect(try TrecRanking.ranked(back["q1"] ?? [], query: "q1") == TrecRanking.ranked(run["q1"] ?? [], query: "q1"))
        let bad = try temporaryFile("q1 Q0 a 1 high t\n")
        #expect(throws: EvalError.self) { try TrecRun.read(path: bad) }
    }
}
