// XQuAD-R (SQuAD JSON with sentence_breaks) → BEIR layout under the LAReQA protocol
// (google-research-datasets/lareqa; xtreme third_party/utils_lareqa.py): the pool is every sentence of
// every paragraph of the chosen languages, deduplicated by text within a language; each question in
// each language is a query whose relevant set is its answer sentence in every language of the pool.
import Foundation

/// A converted dataset, ready to be written as corpus.jsonl, queries.jsonl and qrels/test.tsv.
public struct BEIRDataset: Sendable {
    /// Pool sentences; id `<lang>-<n>` (n from 0 in first-seen order), metadata `language`.
    public let corpus: [BEIRRecord]
    /// Questions; id `<question id>-<lang>`, metadata `language`, in language order then file order.
    public let queries: [BEIRRecord]
    /// query id → answer-sentence document id → 1.
    public let qrels: Qrels

    /// Writes `corpus.jsonl`, `queries.jsonl` and `qrels/test.tsv` under `folder` (each via a temporary file).
    public func write(to folder: String) throws {
        let root = URL(fileURLWithPath: folder)
        try BEIRFormat.writeRecords(corpus, path: root.appendingPathComponent("corpus.jsonl").path)
        try BEIRFormat.writeRecords(queries, path: root.appendingPathComponent("queries.jsonl").path)
        try BEIRFormat.writeQrels(qrels, order: queries.map(\.id), path: root.appendingPathComponent("qrels/test.tsv").path)
    }
}

/// XQuAD-R → BEIR under the LAReQA protocol (see the file header).
public enum XquadConverter {
    /// Converts `<directory>/<lang>.json` for each language, in the given order.
    ///
    /// The answer sentence is found as LAReQA does: the sentence_breaks span `[start, end)` with
    /// `start <= answer_start < end`, offsets counted in Unicode scalars (Python `str` indices); its text
    /// is `context[start:end]`. A question whose answer start lies in no span is skipped (LAReQA warns and
    /// skips too); a question id missing from some language has fewer relevant documents.
    /// Throws `EvalError.unreadable` / `.malformedDataset` naming the file.
    public static func convert(directory: String, languages: [String]) throws -> BEIRDataset {
        var corpus: [BEIRRecord] = []
        var queries: [BEIRRecord] = []
        // question id → language → document id of its answer sentence.
        var answers: [String: [String: String]] = [:]
        var questionsPerLanguage: [(language: String, id: String, text: String)] = []
        for language in languages {
            let path = URL(fileURLWithPath: directory).appendingPathComponent("\(language).json").path
            let file = try load(path: path)
            var documentIDs: [[UInt8]: String] = [:]
            for paragraph in file.data.flatMap(\.paragraphs) {
                let context = Array(paragraph.context.unicodeScalars)
                var sentenceIDs: [String] = []
                for span in paragraph.sentence_breaks {
                    guard span.count == 2, 0 <= span[0], span[0] <= span[1], span[1] <= context.count else {
                        throw EvalError.malformedDataset(
                            path: path, reason: "sentence break \(span) is outside its context of \(context.count) characters")
                    }
                    var sentence = String.UnicodeScalarView()
                    sentence.append(contentsOf: context[span[0]..<span[1]])
                    let text = String(sentence)
                    // Deduplicate on the exact scalars (String == would merge canonically equal texts).
                    let key = Array(text.utf8)
                    if let existing = documentIDs[key] {
                        sentenceIDs.append(existing)
                    } else {
                        let id = "\(language)-\(documentIDs.count)"
                        documentIDs[key] = id
                        corpus.append(BEIRRecord(id: id, text: text, metadata: ["language": language]))
                        sentenceIDs.append(id)
                    }
                }
                for question in paragraph.qas {
                    guard let answer = question.answers.first else {
                        throw EvalError.malformedDataset(path: path, reason: "question \(question.id) has no answer")
                    }
                    let start = answer.answer_start
                    guard let index = paragraph.sentence_breaks.firstIndex(where: { $0[0] <= start && start < $0[1] })
                    else { continue }
                    guard answers[question.id, default: [:]].updateValue(sentenceIDs[index], forKey: language) == nil else {
                        throw EvalError.malformedDataset(path: path, reason: "question id \(question.id) appears twice")
                    }
                    questionsPerLanguage.append((language, question.id, question.question))
                }
            }
        }
        var qrels: Qrels = [:]
        for question in questionsPerLanguage {
            let id = "\(question.id)-\(question.language)"
            queries.append(BEIRRecord(id: id, text: question.text, metadata: ["language": question.language]))
            var relevant: [String: Int] = [:]
            for documentID in (answers[question.id] ?? [:]).values { relevant[documentID] = 1 }
            qrels[id] = relevant
        }
        return BEIRDataset(corpus: corpus, queries: queries, qrels: qrels)
    }

    // MARK: - SQuAD JSON with sentence breaks

    struct File: Decodable {
        struct Article: Decodable { let paragraphs: [Paragraph] }
        struct Paragraph: Decodable {
            let context: String
            let sentence_breaks: [[Int]]
            let qas: [Question]
        }
        struct Question: Decodable {
            let id: String
            let question: String
            let answers: [Answer]
        }
        struct Answer: Decodable { let answer_start: Int }
        let data: [Article]
    }

    static func load(path: String) throws -> File {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw EvalError.unreadable(path: path, reason: "no such file, or permission denied")
        }
        do {
            return try JSONDecoder().decode(File.self, from: data)
        } catch let DecodingError.keyNotFound(key, context) {
            // Array positions print as their index ("data.0.paragraphs"), not Foundation's "Index 0".
            let at = (context.codingPath + [key]).map { $0.intValue.map(String.init) ?? $0.stringValue }
                .joined(separator: ".")
            throw EvalError.malformedDataset(path: path, reason: "missing field \(at)")
        } catch {
            throw EvalError.malformedDataset(path: path, reason: "\(error)")
        }
    }
}

// MARK: - Same-language XQuAD (paragraph retrieval)

extension XquadConverter {
    /// XQuAD (`xquad.<language>.json`, SQuAD format) → same-language paragraph retrieval, the protocol of
    /// ../shared/data/README.md: the corpus is the language's paragraphs (id `<language>-<n>`, n from 0 in
    /// file order, text = context, metadata `language`), the queries its questions (id = question id), and
    /// each question's one relevant document the paragraph it was asked about.
    /// Throws `EvalError.unreadable` / `.malformedDataset` naming the file.
    public static func convertParagraphs(directory: String, language: String) throws -> BEIRDataset {
        let path = URL(fileURLWithPath: directory).appendingPathComponent("xquad.\(language).json").path
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw EvalError.unreadable(path: path, reason: "no such file, or permission denied")
        }
        let file: SquadFile
        do {
            file = try JSONDecoder().decode(SquadFile.self, from: data)
        } catch {
            throw EvalError.malformedDataset(path: path, reason: "\(error)")
        }
        var corpus: [BEIRRecord] = []
        var queries: [BEIRRecord] = []
        var qrels: Qrels = [:]
        for paragraph in file.data.flatMap(\.paragraphs) {
            let id = "\(language)-\(corpus.count)"
            corpus.append(BEIRRecord(id: id, text: paragraph.context, metadata: ["language": language]))
            for question in paragraph.qas {
                guard qrels.updateValue([id: 1], forKey: question.id) == nil else {
                    throw EvalError.malformedDataset(path: path, reason: "question id \(question.id) appears twice")
                }
                queries.append(BEIRRecord(id: question.id, text: question.question, metadata: ["language": language]))
            }
        }
        return BEIRDataset(corpus: corpus, queries: queries, qrels: qrels)
    }

    struct SquadFile: Decodable {
        struct Article: Decodable { let paragraphs: [Paragraph] }
        struct Paragraph: Decodable {
            let context: String
            let qas: [Question]
        }
        struct Question: Decodable {
            let id: String
            let question: String
        }
        let data: [Article]
    }
}
