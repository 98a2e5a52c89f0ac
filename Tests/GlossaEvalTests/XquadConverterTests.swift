// The LAReQA conversion on a hand-made two-language file (offsets in Unicode scalars, deduplication,
// skipped answers) and, when ../shared is present, on the real XQuAD-R files: 7301 / 7140 / 6.
import Foundation
import GlossaTestSupport
import Testing

@testable import GlossaEval

@Suite struct XquadConverterTests {
    /// en: "X😀e\u{301}. Two. Two." has 15 scalars but 13 Characters, so a converter that counted
    /// Characters would put answer_start 4 outside every sentence.
    static let english = #"""
        {"data": [{"title": "t", "paragraphs": [{"context": "X😀e\u0301. Two. Two.",
          "sentence_breaks": [[0, 5], [6, 10], [11, 15]],
          "qas": [{"id": "q1", "question": "Which two?", "answers": [{"answer_start": 6, "text": "Two"}]},
                  {"id": "q2", "question": "Which smile?", "answers": [{"answer_start": 4, "text": "."}]},
                  {"id": "q3", "question": "Between?", "answers": [{"answer_start": 5, "text": " "}]}]}]}]}
        """#
    static let german = #"""
        {"data": [{"title": "t", "paragraphs": [{"context": "Zwei. Eins.", "sentence_breaks": [[0, 5], [6, 11]],
          "qas": [{"id": "q1", "question": "Welche zwei?", "answers": [{"answer_start": 6, "text": "Eins"}]},
                  {"id": "q2", "question": "Welches Lächeln?", "answers": [{"answer_start": 0, "text": "Zwei"}]}]}]}]}
        """#

    func folder(_ files: [String: String]) throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("glossa-xquad-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        for (name, text) in files { try Data(text.utf8).write(to: url.appendingPathComponent(name)) }
        return url.path
    }

    @Test("pool deduplicated within a language, answers found by scalar offset, relevant in every language")
    func smallFile() throws {
        let directory = try folder(["en.json": Self.english, "de.json": Self.german])
        let dataset = try XquadConverter.convert(directory: directory, languages: ["en", "de"])
        #expect(dataset.corpus.map(\.id) == ["en-0", "en-1", "de-0", "de-1"])
        #expect(dataset.corpus.map(\.text) == ["X😀e\u{301}.", "Two.", "Zwei.", "Eins."])
        #expect(dataset.corpus.allSatisfy { $0.metadata["language"] == $0.id.prefix(2).description })
        // q3's answer starts on the space between sentences: skipped, as LAReQA does.
        #expect(dataset.queries.map(\.id) == ["q1-en", "q2-en", "q1-de", "q2-de"])
        #expect(dataset.queries.map(\.text) == ["Which two?", "Which smile?", "Welche zwei?", "Welches Lächeln?"])
        #expect(dataset.qrels["q1-en"] == ["en-1": 1, "de-1": 1])
        #expect(dataset.qrels["q1-de"] == ["en-1": 1, "de-1": 1])
        #expect(dataset.qrels["q2-de"] == ["en-0": 1, "de-0": 1])
    }

    @Test("written files read back through the BEIR readers")
    func writeAndRead() throws {
        let directory = try folder(["en.json": Self.english, "de.json": Self.german])
        let dataset = try XquadConverter.convert(directory: directory, languages: ["en", "de"])
        let out = directory + "/beir"
        try dataset.write(to: out)
        #expect(try BEIRFormat.readRecords(path: out + "/corpus.jsonl") == dataset.corpus)
        #expect(try BEIRFormat.readRecords(path: out + "/queries.jsonl") == dataset.queries)
        #expect(try BEIRFormat.readQrels(path: out + "/qrels/test.tsv") == dataset.qrels)
    }

    @Test("a sentence break outside its context and a missing file are reported with the path")
    func errors() throws {
        let bad = #"{"data": [{"paragraphs": [{"context": "abc", "sentence_breaks": [[0, 9]], "qas": []}]}]}"#
        let directory = try folder(["en.json": bad])
        let path = directory + "/en.json"
        #expect(throws: EvalError.malformedDataset(path: path, reason: "sentence break [0, 9] is outside its context of 3 characters")) {
            try XquadConverter.convert(directory: directory, languages: ["en"])
        }
        #expect(throws: EvalError.unreadable(path: directory + "/xx.json", reason: "no such file, or permission denied")) {
            try XquadConverter.convert(directory: directory, languages: ["xx"])
        }
        let noBreaks = #"{"data": [{"paragraphs": [{"context": "abc", "qas": []}]}]}"#
        let other = try folder(["en.json": noBreaks])
        #expect(throws: EvalError.malformedDataset(path: other + "/en.json", reason: "missing field data.0.paragraphs.0.sentence_breaks")) {
            try XquadConverter.convert(directory: other, languages: ["en"])
        }
    }

    @Test("the six shared languages give the reference pool: 7301 sentences, 7140 questions, 6 relevant each",
          .enabled(if: TestLocations.sharedTestsEnabled))
    func sharedPool() throws {
        let directory = TestLocations.shared.appendingPathComponent("data/xquad-r").path
        let dataset = try XquadConverter.convert(directory: directory, languages: ["ar", "de", "en", "es", "ru", "zh"])
        #expect(dataset.corpus.count == 7301)
        #expect(dataset.queries.count == 7140)
        #expect(dataset.qrels.count == 7140)
        #expect(dataset.qrels.values.allSatisfy { $0.count == 6 })
        #expect(Set(dataset.corpus.map(\.id)).count == 7301)
        // Every relevant id is a pool sentence in a distinct language.
        let pool = Set(dataset.corpus.map(\.id))
        #expect(dataset.qrels.values.allSatisfy { Set($0.keys.map { $0.prefix(2) }).count == 6 && $0.keys.allSatisfy(pool.contains) })
    }
}
