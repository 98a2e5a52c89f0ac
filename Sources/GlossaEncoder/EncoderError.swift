// The one error type of GlossaEncoder: every case names the model folder, text or tensor it is about
// and says what to do. Errors from GlossaModel and GlossaTokenizer are wrapped, never replaced.

/// Errors from loading an encoder or from encoding input.
public enum EncoderError: Error, CustomStringConvertible {
    /// Opening the model folder failed (missing file, bad config.json, bad safetensors header, ...).
    case modelFolder(path: String, underlying: any Error)
    /// A weight tensor is missing or has a shape that contradicts config.json.
    case weights(path: String, tensor: String, underlying: any Error)
    /// A weight tensor's shape differs from what config.json implies.
    case shapeMismatch(path: String, tensor: String, expected: [Int], actual: [Int])
    /// config.json describes a model this encoder cannot run.
    case unsupportedConfig(path: String, field: String, reason: String)
    /// Loading the tokenizer model failed.
    case tokenizer(path: String, underlying: any Error)
    /// Tokenising one input text failed.
    case tokenization(index: Int, underlying: any Error)
    /// A token id sequence given to `embed(tokenIDs:)` cannot be encoded.
    case invalidTokenIDs(index: Int, reason: String)

    public var description: String {
        switch self {
        case .modelFolder(let path, let underlying):
            return "Cannot open the model folder \(path): \(underlying)"
        case .weights(let path, let tensor, let underlying):
            return "Model folder \(path): cannot load tensor '\(tensor)': \(underlying)"
        case .shapeMismatch(let path, let tensor, let expected, let actual):
            return "Model folder \(path): tensor '\(tensor)' has shape \(actual), but config.json implies "
                + "\(expected). The weights and config.json do not belong together; re-import the model."
        case .unsupportedConfig(let path, let field, let reason):
            return "Model folder \(path): config.json field '\(field)': \(reason). "
                + "Glossa runs BERT / XLM-RoBERTa encoders with GELU (erf) such as multilingual-e5."
        case .tokenizer(let path, let underlying):
            return "Cannot load the tokenizer \(path): \(underlying)"
        case .tokenization(let index, let underlying):
            return "Cannot tokenise input text #\(index + 1): \(underlying)"
        case .invalidTokenIDs(let index, let reason):
            return "Token id sequence #\(index + 1) cannot be encoded: \(reason)."
        }
    }
}
