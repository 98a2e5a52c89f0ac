// `glossa encode`: documents → bundle, chunked and embedded exactly as `glossa index` does, without a
// collection (one run per corpus partition, e.g. under Spark). The work is `BundleEncoding.encode`.
import ArgumentParser
import Foundation
import GlossaCollection
import GlossaEncoder

struct EncodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "encode",
        abstract: "Chunk and embed documents into a bundle (for `glossa import`).",
        discussion: """
            Inputs as for `index` (- reads JSON Lines from standard input). --out names a new folder, or - \
            writes the bundle to standard output as a tar of manifest.json, rows.jsonl and vectors.f32.npy. \
            Each document is chunked and embedded on its own, so a document gives the same rows and vectors \
            however the corpus is split into runs.
            """)

    @Argument(help: "Input files or folders (- for standard input).") var inputs: [String]
    @Option(name: .long, help: "Bundle folder to create, or - for a tar on standard output.") var out: String
    @OptionGroup var model: ModelOption
    @Option(name: .long, help: "Tokens per chunk (default 512).") var chunkTokens: Int = CollectionSettings.defaultChunkTokens
    @Option(name: .long, help: "Tokens shared by consecutive chunks (default 64).")
    var chunkOverlap: Int = CollectionSettings.defaultChunkOverlap
    @Flag(name: .long, help: "Fail on the first bad input line instead of skipping it.") var strict = false
    @Flag(name: .long, help: "No progress lines.") var quiet = false

    func validate() throws {
        guard !inputs.isEmpty else { throw ValidationError("Give at least one input file or folder.") }
    }

    func run() throws {
        let encoder = try Encoder(modelFolder: model.folder)
        let toStandardOutput = out == "-"
        let folder = toStandardOutput
            ? FileManager.default.temporaryDirectory.appendingPathComponent("glossa-encode-\(UUID().uuidString)")
            : URL(fileURLWithPath: out)
        defer { if toStandardOutput { try? FileManager.default.removeItem(at: folder) } }
        let report = try BundleEncoding.encode(
            inputs: inputs, encoder: encoder, chunkTokens: chunkTokens, chunkOverlap: chunkOverlap, out: folder,
            strict: strict, progressEnabled: !quiet && !toStandardOutput)
        if toStandardOutput {
            try BundleEncoding.writeTar(of: folder, to: FileHandle.standardOutput)
            FileHandle.standardError.write(Data((report.description + "\n").utf8))
        } else {
            print(report)
        }
    }
}
