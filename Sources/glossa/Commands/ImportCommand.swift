// `glossa import`: create or extend a collection from bundles of precomputed rows and vectors (no
// encoding). Parsing and printing only; the work is `DocumentCollection.importBundles`.
import ArgumentParser
import Foundation
import GlossaCollection

struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Create or extend a collection from bundles (manifest.json, rows.jsonl, vectors.f32.npy).",
        discussion: """
            Each bundle is checked whole first (model, dimension and chunking against the collection, sizes, \
            SHA-256, every vector finite and normalised, every row); a bad bundle is refused with its file and \
            line or row, and nothing is stored. Documents already stored with the same text are skipped, so a \
            rerun after a crash stores every row once. A new collection takes the model and chunking of the \
            first bundle; index type and shards as for `index`. Bundles come from `glossa export`, \
            `glossa encode` or any job that writes the format (README, "Bundles").
            """)

    @OptionGroup var target: CollectionArgument
    @Argument(help: "Bundle folders (e.g. one per Spark partition).") var bundles: [String]
    @Option(name: .long, help: "flat (default), ivf[:nlist], ivf-sq8, ivf-pq, hnsw[:M] or a FAISS factory string.")
    var indexType: String?
    @Option(name: .long, help: "Number of shards (default 1).") var shards: Int?
    @Option(name: .long, help: "Rows per transaction.") var batch: Int = 4_096
    @OptionGroup var model: ModelOption
    @Flag(name: .long, help: "No progress lines.") var quiet = false

    func validate() throws {
        guard !bundles.isEmpty else { throw ValidationError("Give at least one bundle folder.") }
        guard batch >= 1 else { throw ValidationError("--batch must be at least 1.") }
    }

    func run() throws {
        let folders = bundles.map { URL(fileURLWithPath: $0) }
        let collection = try DocumentCollection.openForImport(
            folder: target.folder, bundles: folders, settings: CollectionSettings(indexType: indexType, shardCount: shards),
            backend: FaissBackend())
        collection.progressEnabled = !quiet
        // The lexical index is written with the rows, by the analyzer of the model's sentencepiece file.
        let report = try collection.importBundles(folders, batchRows: batch, analyzer: try model.analyzer())
        print(report)
        let counts = try collection.store.counts()
        print("\(target.folder.path): \(counts.documents) documents, \(counts.chunks) chunks")
    }
}
