// `glossa rebuild`: every shard file from the stored vectors (no re-encoding), optionally with a
// new index type or shard count; and the lexical index from the stored text (the model's sentencepiece
// file gives the pieces).
import ArgumentParser
import Foundation
import GlossaCollection

struct RebuildCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rebuild", abstract: "Rebuild every shard file from the stored vectors and the lexical index from the text.")

    @OptionGroup var target: CollectionArgument
    @Option(name: .long, help: "New index type: flat, ivf[:nlist], hnsw[:M] or a FAISS factory string.") var indexType: String?
    @Option(name: .long, help: "New number of shards.") var shards: Int?
    @OptionGroup var model: ModelOption
    @Option(
        name: .long,
        help: "IVF: measure recall@10 on 1000 stored vectors and keep the smallest nprobe reaching this (e.g. 0.95).")
    var recallTarget: Double?

    func validate() throws {
        if let recallTarget, !(0.0...1.0).contains(recallTarget) {
            throw ValidationError("--recall-target must be between 0 and 1.")
        }
    }

    func run() throws {
        let collection = try DocumentCollection(
            folder: target.folder, model: nil, writable: true, loadShards: false, backend: FaissBackend())
        collection.progressEnabled = true
        let times = try collection.rebuild(indexType: indexType, shardCount: shards, analyzer: try model.analyzer())
        let info = try collection.info()
        print("rebuilt \(info.shardChunks.count) shard(s) of \(info.indexType): \(info.chunks) chunks"
            + String(format: " (%.3f s); lexical index (%.3f s)", times.shardSeconds, times.lexicalSeconds ?? 0))
        if let recallTarget { print(try collection.tuneNProbe(target: recallTarget)) }
    }
}
