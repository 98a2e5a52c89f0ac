// `glossa tokenize`: one text per stdin line (or JSON lines with "text") in, one JSON array of model ids
// per line out. Parsing and formatting only; tokenisation is GlossaTokenizer's `encodeBatch`.
import ArgumentParser
import Foundation
import GlossaCore
import GlossaTokenizer

/// `glossa tokenize --model <dir> [--prefix query|passage|none] [--jsonl]`
struct TokenizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenize",
        abstract: "Print the model ids of each input line as a JSON array.",
        discussion: """
            Reads standard input: one text per line, or with --jsonl one JSON object per line with a \
            string field "text". Writes one line per input line: <s> (0), the content ids cut to 510, \
            </s> (2), as the slow transformers XLMRobertaTokenizer numbers them. Input that is not valid \
            UTF-8 stops the run with an error naming the line (lines before it are already written).
            """
    )

    /// Which mE5 prefix each text gets before tokenisation.
    enum Prefix: String, ExpressibleByArgument, CaseIterable {
        case query, passage, none

        var kind: TextKind {
            switch self {
            case .query: return .query
            case .passage: return .passage
            case .none: return .none
            }
        }
    }

    @Option(
        name: .long,
        help: "Model folder with sentencepiece.bpe.model (default: $GLOSSA_MODEL, then \(ModelLocation.defaultPath)).")
    var model: String?

    @Option(name: .long, help: "Prefix added before tokenising: query (\"query: \"), passage (\"passage: \") or none.")
    var prefix: Prefix = .query

    @Flag(name: .long, help: "Each input line is a JSON object with a string field \"text\".")
    var jsonl = false

    /// Lines tokenised per encodeBatch call.
    private static let chunkSize = 1_024
    private static let inputName = "<stdin>"

    func run() throws {
        let folder = ModelLocation.resolve(model)
        let tokenizer = try Tokenizer(
            modelPath: URL(fileURLWithPath: folder).appendingPathComponent("sentencepiece.bpe.model").path)
        var pending: [String] = []
        for line in LineReader(handle: FileHandle.standardInput) {
            let text: String
            do {
                text = try parse(line)
            } catch {
                // Everything before the bad line is still printed, so the output lines up with the input.
                try flush(&pending, tokenizer)
                throw error
            }
            pending.append(text)
            if pending.count == Self.chunkSize { try flush(&pending, tokenizer) }
        }
        try flush(&pending, tokenizer)
    }

    private struct JSONLine: Decodable {
        let text: String
    }

    /// The text of one input line; throws `InputError` naming the line.
    private func parse(_ line: InputLine) throws -> String {
        let raw = try line.text(path: Self.inputName)
        guard jsonl else { return raw }
        do {
            return try JSONDecoder().decode(JSONLine.self, from: Data(line.bytes)).text
        } catch {
            throw InputError.malformedLine(
                path: Self.inputName, line: line.number, field: "text",
                reason: "expected a JSON object with a string field \"text\"")
        }
    }

    private func flush(_ pending: inout [String], _ tokenizer: Tokenizer) throws {
        guard !pending.isEmpty else { return }
        let encoded = try tokenizer.encodeBatch(pending, kind: prefix.kind)
        pending.removeAll(keepingCapacity: true)
        var out = ""
        for ids in encoded {
            out += "["
            out += ids.map(String.init).joined(separator: ",")
            out += "]\n"
        }
        FileHandle.standardOutput.write(Data(out.utf8))
    }
}
