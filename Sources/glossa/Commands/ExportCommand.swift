// `glossa export`: write a collection as a bundle (or one per shard) that `glossa import` reads back bit
// for bit. Parsing and printing only; the work is `DocumentCollection.exportBundles`.
import ArgumentParser
import Foundation
import GlossaCollection

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a collection as a bundle (manifest.json, rows.jsonl, vectors.f32.npy).",
        discussion: """
            The bundle holds every document's chunks in order with their texts, spans, titles, metadata, \
            stable ids (uid64, UUIDv5) and the stored float32 vectors; importing it gives the same collection. \
            --shards writes <out>/shard-000, shard-001, … (one bundle per shard). Parquet for Milvus or LanceDB \
            is made from a bundle by scripts/handoff (pyarrow); this command writes --format bundle only.
            """)

    @OptionGroup var target: CollectionArgument
    @Argument(help: "Output folder (must not exist).") var out: String
    @Flag(name: .long, help: "One bundle per shard, in <out>/shard-NNN.") var shards = false
    @Option(name: .long, help: "bundle (the only format written here).") var format: String = "bundle"

    func validate() throws {
        guard format == "bundle" else {
            throw ValidationError("--format \(format) is not written by glossa; export a bundle and convert it with "
                + "scripts/handoff (e.g. to Parquet).")
        }
    }

    func run() throws {
        let collection = try DocumentCollection(
            folder: target.folder, model: nil, writable: false, loadShards: false, backend: FaissBackend())
        for (folder, manifest) in try collection.exportBundles(to: URL(fileURLWithPath: out), perShard: shards) {
            print("\(folder.path): \(manifest.documents) documents, \(manifest.rows) rows")
        }
    }
}
