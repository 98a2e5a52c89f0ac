// TREC run files (`qid Q0 docid rank score tag`), the format trec_eval and pytrec_eval read, so that
// Glossa's rankings can be checked with the field's own tools.
import Foundation

/// TREC run files: six space-separated columns per retrieved document.
public enum TrecRun {
    /// Renders a run: queries in `order`, each ranking in trec_eval order (so the rank column agrees
    /// with how trec_eval will re-sort it), ranks from 1, scores printed exactly (shortest round-trip).
    /// Throws `EvalError.duplicateDocument` when a ranking repeats a document.
    public static func render(_ run: Run, order: [String], tag: String = "glossa") throws -> String {
        var text = ""
        for query in order {
            guard let documents = run[query] else { continue }
            for (index, document) in try TrecRanking.ranked(documents, query: query).enumerated() {
                text += "\(query) Q0 \(document.id) \(index + 1) \(document.score) \(tag)\n"
            }
        }
        return text
    }

    /// Writes `render(run, order:, tag:)` to `path` via a temporary file.
    public static func write(_ run: Run, order: [String], tag: String = "glossa", path: String) throws {
        try BEIRFormat.writeAtomically(Data(try render(run, order: order, tag: tag).utf8), path: path)
    }

    /// Reads a run file: six whitespace-separated fields per line; the rank column is ignored, as
    /// trec_eval ignores it. Throws `EvalError.malformedLine` naming the file and line.
    public static func read(path: String) throws -> Run {
        var run: Run = [:]
        for line in try BEIRFormat.lines(path) {
            let text = try line.text(path: path)
            let fields = text.split(whereSeparator: { $0 == " " || $0 == "\t" })
            if fields.isEmpty { continue }
            guard fields.count == 6, let score = Double(fields[4]) else {
                throw EvalError.malformedLine(
                    path: path, line: line.number, reason: "expected 'qid Q0 docid rank score tag' with a numeric score")
            }
            run[String(fields[0]), default: []].append(ScoredDocument(id: String(fields[2]), score: score))
        }
        return run
    }
}
