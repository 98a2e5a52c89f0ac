// `glossa embed`: one text per stdin line (or JSON lines with "text") in, one JSON array of floats (the
// L2-normalised mE5 embedding) per line out. Parsing and formatting only; the math is GlossaEncoder's.
import ArgumentParser
import Foundation
import GlossaCore
import GlossaEncoder

/// `glossa embed --model <dir> --kind query|passage|none [--instruction TASK] [--jsonl] [--long-texts truncate|windows]`
struct EmbedCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embed",
        abstract: "Print the embedding of each input line as a JSON array of floats.",
        discussion: """
            Reads standard input: one text per line, or with --jsonl one JSON object per line with a \
            string field "text". Writes one line per input line, in input order: the L2-normalised mean-pooled \
            embedding of "query: " + text (--kind query) or "passage: " + text (--kind passage). An empty line \
            encodes the prefix alone. Texts over 512 tokens are truncated, or with --long-texts windows \
            averaged over 510-token windows. Input that is not valid UTF-8 stops the run with an error naming \
            the line (lines before it are already written). Progress goes to standard error for long inputs.
            """
    )

    /// Which mE5 prefix each text gets.
    enum Kind: String, ExpressibleByArgument, CaseIterable {
        case query, passage, none
    }

    /// What to do with texts over 512 tokens.
    enum LongTexts: String, ExpressibleByArgument, CaseIterable {
        case truncate, windows

        var policy: LongTextPolicy { self == .truncate ? .truncate : .meanOfWindows }
    }

    @Option(name: .long, help: "Model folder (default: $GLOSSA_MODEL, then \(ModelLocation.defaultPath)).")
    var model: String?

    @Option(name: .long, help: "Prefix: query (\"query: \"), passage (\"passage: \") or none.")
    var kind: Kind = .query

    @Option(name: .long, help: "Task for instruct models: queries become \"Instruct: TASK\\nQuery: text\".")
    var instruction: String?

    @OptionGroup var input: TextInputOptions
    @OptionGroup var precision: PrecisionOption

    @Option(name: .long, help: "Texts over 512 tokens: truncate, or windows (mean of 510-token windows).")
    var longTexts: LongTexts = .truncate

    @Flag(name: .long, help: "No progress lines on standard error.")
    var quiet = false

    /// Lines embedded per call: bounds memory while keeping batches full.
    private static let chunkSize = 2_048

    func validate() throws {
        if instruction != nil && kind != .query {
            throw ValidationError("--instruction applies to queries only; drop it or use --kind query.")
        }
    }

    func run() throws {
        let encoder = try Encoder(modelFolder: ModelLocation.resolve(model), precision: precision.value)
        let textKind: TextKind
        switch kind {
        case .query: textKind = instruction.map { .instructedQuery(task: $0) } ?? .query
        case .passage: textKind = .passage
        case .none: textKind = .none
        }
        var progress: ProgressReporter?
        // A bad line stops the run after the lines before it are printed, so the output lines up with the input.
        try input.forEachChunk(of: Self.chunkSize) { texts in
            // A full chunk means a long input: from here on, report progress.
            if texts.count == Self.chunkSize && progress == nil && !quiet {
                progress = ProgressReporter(label: "embed", unit: "texts")
            }
            var pending = texts
            try flush(&pending, encoder, textKind, progress)
        }
        progress?.finish()
    }

    private func flush(_ pending: inout [String], _ encoder: Encoder, _ kind: TextKind, _ progress: ProgressReporter?)
        throws
    {
        guard !pending.isEmpty else { return }
        var reported = 0
        let vectors = try encoder.embed(pending, kind: kind, longTexts: longTexts.policy) { done, _ in
            progress?.advance(by: done - reported)
            reported = done
        }
        pending.removeAll(keepingCapacity: true)
        var out = ""
        for vector in vectors {
            out += "["
            // Swift prints the shortest decimal that reads back as the same Float.
            out += vector.map { "\($0)" }.joined(separator: ",")
            out += "]\n"
        }
        FileHandle.standardOutput.write(Data(out.utf8))
    }
}
