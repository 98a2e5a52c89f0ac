// Readers and writers for the BEIR layout (corpus.jsonl, queries.jsonl, qrels/<split>.tsv) that the
// field's retrieval benchmarks ship in, with file:line errors. Also reads 4-column TREC qrels.
import Foundation
import GlossaCore

/// One line of a BEIR `queries.jsonl` or `corpus.jsonl`: `_id`, `text`, optional `title` and a flat
/// string `metadata` object (Glossa's converters put `language` there).
public struct BEIRRecord: Sendable, Equatable {
    public let id: String
    public let text: String
    public let title: String?
    public let metadata: [String: String]

    public init(id: String, text: String, title: String? = nil, metadata: [String: String] = [:]) {
        self.id = id
        self.text = text
        self.title = title
        self.metadata = metadata
    }
}

/// Reading and writing the BEIR files; every error names the file and the line.
public enum BEIRFormat {
    /// Reads a BEIR JSONL file (`queries.jsonl` or `corpus.jsonl`) in file order. `_id` may be a JSON
    /// string or integer; `text` must be a string. Blank lines are skipped.
    /// Throws `EvalError` naming the file and line for malformed lines and duplicate ids.
    public static func readRecords(path: String) throws -> [BEIRRecord] {
        var records: [BEIRRecord] = []
        var seen = Set<String>()
        for line in try lines(path) {
            let text = try line.text(path: path)
            if text.allSatisfy(\.isWhitespace) { continue }
            let object: Any
            do {
                object = try JSONSerialization.jsonObject(with: Data(line.bytes))
            } catch {
                throw EvalError.malformedLine(path: path, line: line.number, reason: "not a JSON object")
            }
            guard let fields = object as? [String: Any] else {
                throw EvalError.malformedLine(path: path, line: line.number, reason: "not a JSON object")
            }
            let id: String
            if let string = fields["_id"] as? String {
                id = string
            } else if let number = fields["_id"] as? Int {
                id = String(number)
            } else {
                throw EvalError.malformedLine(path: path, line: line.number, reason: "no string field '_id'")
            }
            guard let body = fields["text"] as? String else {
                throw EvalError.malformedLine(path: path, line: line.number, reason: "no string field 'text'")
            }
            guard seen.insert(id).inserted else { throw EvalError.duplicateID(path: path, line: line.number, id: id) }
            var metadata: [String: String] = [:]
            for (key, value) in fields["metadata"] as? [String: Any] ?? [:] {
                if let value = value as? String { metadata[key] = value }
            }
            records.append(BEIRRecord(id: id, text: body, title: fields["title"] as? String, metadata: metadata))
        }
        return records
    }

    /// Reads qrels: BEIR TSV `query-id corpus-id score` (a first line whose score is not an integer is
    /// the header) or TREC `qid iter docid rel`. Fields are split on tabs, or on spaces when a line has
    /// no tab. Throws on malformed lines and on a (query, document) pair judged twice (as trec_eval does).
    public static func readQrels(path: String) throws -> Qrels {
        var qrels: Qrels = [:]
        for line in try lines(path) {
            let text = try line.text(path: path)
            if text.allSatisfy(\.isWhitespace) { continue }
            let separator: Character = text.contains("\t") ? "\t" : " "
            let fields = text.split(separator: separator, omittingEmptySubsequences: true)
                .map { $0.trimmingCharacters(in: .whitespaces) }
            guard fields.count == 3 || fields.count == 4 else {
                throw EvalError.malformedLine(
                    path: path, line: line.number,
                    reason: "expected 3 fields (query-id, corpus-id, score) or 4 (TREC qrels), found \(fields.count)")
            }
            let (query, document, gradeText) = fields.count == 3
                ? (fields[0], fields[1], fields[2]) : (fields[0], fields[2], fields[3])
            guard let grade = Int(gradeText) else {
                if line.number == 1 { continue }  // the BEIR header "query-id corpus-id score"
                throw EvalError.malformedLine(path: path, line: line.number, reason: "score '\(gradeText)' is not an integer")
            }
            guard qrels[query, default: [:]].updateValue(grade, forKey: document) == nil else {
                throw EvalError.duplicateID(path: path, line: line.number, id: "\(query) \(document)")
            }
        }
        return qrels
    }

    /// Writes records as BEIR JSONL (keys sorted, UTF-8, no escaped slashes), via a temporary file.
    public static func writeRecords(_ records: [BEIRRecord], path: String) throws {
        var out = Data()
        for record in records {
            var object: [String: Any] = ["_id": record.id, "text": record.text]
            if let title = record.title { object["title"] = title }
            if !record.metadata.isEmpty { object["metadata"] = record.metadata }
            do {
                out.append(try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]))
            } catch {
                throw EvalError.writeFailed(path: path, reason: "record '\(record.id)' is not encodable as JSON")
            }
            out.append(UInt8(ascii: "\n"))
        }
        try writeAtomically(out, path: path)
    }

    /// Writes BEIR qrels TSV with the header line; `order` fixes the query order (others are dropped).
    public static func writeQrels(_ qrels: Qrels, order: [String], path: String) throws {
        var text = "query-id\tcorpus-id\tscore\n"
        for query in order {
            for (document, grade) in (qrels[query] ?? [:]).sorted(by: { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }) {
                text += "\(query)\t\(document)\t\(grade)\n"
            }
        }
        try writeAtomically(Data(text.utf8), path: path)
    }

    static func lines(_ path: String) throws -> LineReader {
        do {
            return try LineReader(path: path)
        } catch {
            throw EvalError.unreadable(path: path, reason: "no such file, or permission denied")
        }
    }

    /// Writes to `<path>.tmp` and renames it over `path`, creating the parent folder.
    static func writeAtomically(_ data: Data, path: String) throws {
        let url = URL(fileURLWithPath: path)
        let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).tmp")
        do {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try data.write(to: temporary)
        } catch {
            throw EvalError.writeFailed(path: path, reason: String(describing: error))
        }
        // rename(2) replaces the target atomically, so a reader never sees half a file.
        guard rename(temporary.path, url.path) == 0 else {
            throw EvalError.writeFailed(path: path, reason: String(cString: strerror(errno)))
        }
    }
}
