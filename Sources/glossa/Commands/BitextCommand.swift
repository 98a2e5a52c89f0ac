// `glossa bitext`: MTEB/Tatoeba bitext mining on two line-aligned files. Parsing and formatting only;
// the task is GlossaEval's `BitextEvaluation`.
import ArgumentParser
import Foundation
import GlossaCore
import GlossaEncoder
import GlossaEval

/// `glossa bitext --model <dir> <source-file> <target-file> [--json] [--cache <dir> | --no-cache]`
struct BitextCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bitext",
        abstract: "Score bitext mining (Tatoeba protocol) between two line-aligned files.",
        discussion: """
            Line i of the source file translates line i of the target file. Both sides are embedded with \
            the "query: " prefix; each source line's prediction is the target line with the highest cosine \
            (the first one among equal cosines). Prints accuracy and F1, where F1 is scikit-learn's \
            f1_score(gold, predicted, average="weighted") with labels 0..n-1, as MTEB reports it. \
            Embeddings are cached by content under --cache, so a second run does not encode again.
            """
    )

    @Option(name: .long, help: "Model folder (default: $GLOSSA_MODEL, then \(ModelLocation.defaultPath)).")
    var model: String?
    @OptionGroup var precision: PrecisionOption

    @Argument(help: "Source-language file, one sentence per line (e.g. tatoeba.deu-eng.deu).")
    var source: String

    @Argument(help: "Target-language file with the same number of lines (e.g. tatoeba.deu-eng.eng).")
    var target: String

    @Flag(name: .long, help: "Print one JSON object: source, target, pairs, accuracy, f1 (fractions in [0, 1]).")
    var json = false

    @Option(name: .long, help: "Embedding cache folder.")
    var cache: String = ".cache/embeddings"

    @Flag(name: .long, help: "Do not read or write the embedding cache.")
    var noCache = false

    @Flag(name: .long, help: "No progress lines on standard error.")
    var quiet = false

    func run() throws {
        let embedder = try EncoderEmbedder(modelFolder: ModelLocation.resolve(model), precision: precision.value)
        let task = BitextEvaluation(
            embedder: embedder, cache: noCache ? nil : EmbeddingCache(folder: cache), showProgress: !quiet)
        let scores = try task.run(sourcePath: source, targetPath: target)
        if json {
            let object: [String: Any] = [
                "source": source, "target": target, "pairs": scores.pairs, "accuracy": scores.accuracy, "f1": scores.f1,
            ]
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
            print(String(decoding: data, as: UTF8.self))
        } else {
            print("\(source): \(scores.pairs) pairs, "
                + String(format: "accuracy %.2f, F1 %.2f", scores.accuracy * 100, scores.f1 * 100))
        }
    }
}
