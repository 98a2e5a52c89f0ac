// `glossa index`: create a collection or add documents to it. Parsing and printing only; the work
// is GlossaCollection's `DocumentCollection.ingest`.
import ArgumentParser
import Foundation
import GlossaCollection
import GlossaEncoder

struct IndexCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "index",
        abstract: "Create a collection or add documents to it.",
        discussion: """
            Inputs: JSON Lines ({"id","text","title"?,"metadata"?} or BEIR corpus.jsonl with "_id"), \
            TSV (id<TAB>text[<TAB>title]) or folders of .txt/.md files (id = relative path). Unchanged \
            documents are skipped, changed ones re-embedded. Bad lines are reported as file:line and \
            skipped (--strict: the run fails before anything is stored). Index type, shards and chunk \
            sizes are fixed when the collection is created.
            """)

    @OptionGroup var target: CollectionArgument
    @Argument(help: "Input files or folders.") var inputs: [String]
    @OptionGroup var model: ModelOption
    @OptionGroup var precision: PrecisionOption
    @Option(name: .long, help: "flat (default), ivf[:nlist], hnsw[:M] or a FAISS factory string.") var indexType: String?
    @Option(name: .long, help: "Number of shards (default 1).") var shards: Int?
    @Option(name: .long, help: "Tokens per chunk (default 512).") var chunkTokens: Int?
    @Option(name: .long, help: "Tokens shared by consecutive chunks (default 64).") var chunkOverlap: Int?
    @Option(name: .long, help: "Documents per transaction.") var batch: Int = 64
    @Flag(name: .long, help: "Fail on the first bad input line instead of skipping it.") var strict = false
    @Flag(name: .long, help: "No progress lines.") var quiet = false

    func validate() throws {
        guard !inputs.isEmpty else { throw ValidationError("Give at least one input file or folder.") }
        guard batch >= 1 else { throw ValidationError("--batch must be at least 1.") }
    }

    func run() throws {
        let encoder = try Encoder(modelFolder: model.folder, precision: try resolvedPrecision())
        let settings = CollectionSettings(
            indexType: indexType, shardCount: shards, chunkTokens: chunkTokens, chunkOverlap: chunkOverlap,
            precision: encoder.precision.rawValue)
        let collection = try DocumentCollection(
            folder: target.folder, model: (encoder.modelName, encoder.dimension), create: settings, writable: true,
            backend: FaissBackend(), analyzer: encoder.lexicalAnalyzer, showProgress: !quiet)
        collection.progressEnabled = !quiet
        collection.reportShardRepairs()
        let report = try collection.ingest(
            inputs: inputs, encoder: encoder, options: IngestOptions(batchSize: batch, strict: strict))
        print(report)
        let counts = try collection.store.counts()
        print("\(target.folder.path): \(counts.documents) documents, \(counts.chunks) chunks")
    }

    /// --precision when given; else the existing collection's own, so that adding documents keeps it; else fp32.
    private func resolvedPrecision() throws -> Precision {
        if let given = precision.given { return given }
        let stored: String
        do {
            stored = try DocumentCollection(
                folder: target.folder, model: nil, writable: false, loadShards: false, backend: FaissBackend()
            ).manifest.precision
        } catch IngestError.noSuchCollection {
            return .fp32
        }
        guard let precision = Precision(rawValue: stored) else {
            throw ValidationError("\(target.folder.path) records precision '\(stored)', which this glossa does not know.")
        }
        return precision
    }
}
