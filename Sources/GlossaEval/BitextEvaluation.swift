// The bitext-mining task on files: read two line-aligned files, embed both sides as queries through
// the embedding cache, score with BitextMetrics. What `glossa bitext` and scripts/eval/run.sh call.
import Foundation
import GlossaCore

/// One bitext pair of files, end to end. Not a long-lived object: make one per run.
public struct BitextEvaluation: Sendable {
    public let embedder: any TextEmbedder
    /// Where embeddings are cached; nil embeds every time.
    public let cache: EmbeddingCache?
    /// Whether to print progress lines on standard error.
    public let showProgress: Bool

    /// `cache` nil embeds every time; `showProgress` prints progress lines on standard error.
    public init(embedder: any TextEmbedder, cache: EmbeddingCache?, showProgress: Bool = false) {
        self.embedder = embedder
        self.cache = cache
        self.showProgress = showProgress
    }

    /// Scores `sourcePath` (e.g. tatoeba.deu-eng.deu) against `targetPath` (tatoeba.deu-eng.eng):
    /// line i of the source is the translation of line i of the target. Both sides get the query prefix.
    /// Throws `EvalError.unreadable`, `InputError.invalidUTF8` (file:line), or `.mismatch` when the line
    /// counts differ.
    public func run(sourcePath: String, targetPath: String) throws -> BitextScores {
        let sources = try Self.readLines(sourcePath)
        let targets = try Self.readLines(targetPath)
        guard sources.count == targets.count else {
            throw EvalError.mismatch(what: "lines in \(targetPath) (to pair with \(sourcePath))",
                                     expected: sources.count, actual: targets.count)
        }
        let sourceVectors = try embed(sources, label: URL(fileURLWithPath: sourcePath).lastPathComponent)
        let targetVectors = try embed(targets, label: URL(fileURLWithPath: targetPath).lastPathComponent)
        return try BitextMetrics.score(sources: sourceVectors, targets: targetVectors)
    }

    func embed(_ texts: [String], label: String) throws -> [[Float]] {
        let reporter = ProgressReporter(label: "embedding \(label)", unit: "texts", total: texts.count,
                                        enabled: showProgress)
        let progress = { (done: Int, _: Int) in reporter.advance(by: done - reporter.done) }
        let vectors: [[Float]]
        if let cache {
            vectors = try cache.embed(texts, with: embedder, progress: progress)
        } else {
            vectors = try embedder.embedQueries(texts, progress: progress)
        }
        if reporter.done > 0 { reporter.finish() }
        return vectors
    }

    /// The file's lines without terminators (a final newline does not make an empty last line).
    static func readLines(_ path: String) throws -> [String] {
        try BEIRFormat.lines(path).map { try $0.text(path: path) }
    }
}
