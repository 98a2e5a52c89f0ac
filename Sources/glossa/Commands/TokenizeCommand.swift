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

    @OptionGroup var input: TextInputOptions

    /// Lines tokenised per encodeBatch call.
    private static let chunkSize = 1_024

    func run() throws {
        let folder = ModelLocation.resolve(model)
        let tokenizer = try Tokenizer(
            modelPath: URL(fileURLWithPath: folder).appendingPathComponent("sentencepiece.bpe.model").path)
        // A bad line stops the run after the lines before it are printed, so the output lines up with the input.
        try input.forEachChunk(of: Self.chunkSize) { texts in try write(texts, tokenizer) }
    }

    private func write(_ texts: [String], _ tokenizer: Tokenizer) throws {
        let encoded = try tokenizer.encodeBatch(texts, kind: prefix.kind)
        var out = ""
        for ids in encoded {
            out += "["
            out += ids.map(String.init).joined(separator: ",")
            out += "]\n"
        }
        FileHandle.standardOutput.write(Data(out.utf8))
    }
}
