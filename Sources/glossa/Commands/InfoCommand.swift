// `glossa info`: counts, model, index type, shard sizes and disk use.
import ArgumentParser
import Foundation
import GlossaCollection

struct InfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "info", abstract: "Describe a collection.")

    @OptionGroup var target: CollectionArgument
    @Flag(name: .long, help: "Print JSON.") var json = false

    func run() throws {
        let collection = try DocumentCollection(
            folder: target.folder, model: nil, writable: false, loadShards: false, backend: FaissBackend())
        let info = try collection.info()
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(info), as: UTF8.self))
            return
        }
        print("collection: \(info.path)")
        print("documents:  \(info.documents)")
        print("chunks:     \(info.chunks)")
        print("model:      \(info.model) (dimension \(info.dimension))")
        print("index:      \(info.indexType), \(info.shardChunks.count) shard(s)")
        print("chunking:   \(info.chunkTokens) tokens, overlap \(info.chunkOverlap)")
        print("precision:  \(info.precision) (the encoder path its vectors were made with)")
        if let nprobe = info.nprobe { print("nprobe:     \(nprobe) (tuned by rebuild --recall-target)") }
        for (shard, count) in info.shardChunks.enumerated() {
            let memory = info.shardMemoryBytes[shard].map { Self.bytes($0) + " in memory" } ?? "not loadable (stale?)"
            print("  shard \(shard): \(count) chunks, file \(Self.bytes(info.shardFileBytes[shard])), \(memory)")
        }
        print("disk:       \(Self.bytes(info.totalBytes)) (database \(Self.bytes(info.databaseBytes)))")
    }

    static func bytes(_ count: Int64) -> String {
        count < 1 << 20 ? String(format: "%.1f KiB", Double(count) / 1024) : String(format: "%.1f MiB", Double(count) / 1_048_576)
    }
}
