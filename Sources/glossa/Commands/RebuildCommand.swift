// `glossa rebuild`: every shard file from the stored vectors (no re-encoding), optionally with a
// new index type or shard count.
import ArgumentParser
import Foundation
import GlossaCollection

struct RebuildCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rebuild", abstract: "Rebuild every shard file from the stored vectors.")

    @OptionGroup var target: CollectionArgument
    @Option(name: .long, help: "New index type: flat, ivf[:nlist], hnsw[:M] or a FAISS factory string.") var indexType: String?
    @Option(name: .long, help: "New number of shards.") var shards: Int?
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
        let tuning = try collection.rebuild(indexType: indexType, shardCount: shards, recallTarget: recallTarget)
        let info = try collection.info()
        print("rebuilt \(info.shardChunks.count) shard(s) of \(info.indexType): \(info.chunks) chunks")
        if let tuning { print(tuning) }
    }
}
