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

    func run() throws {
        let collection = try DocumentCollection(
            folder: target.folder, model: nil, writable: true, loadShards: false, backend: FaissBackend())
        try collection.rebuild(indexType: indexType, shardCount: shards)
        let info = try collection.info()
        print("rebuilt \(info.shardChunks.count) shard(s) of \(info.indexType): \(info.chunks) chunks")
    }
}
