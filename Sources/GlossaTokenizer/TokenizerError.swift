// The one error type of GlossaTokenizer: every case names the input (file, operation) and says what to do.

/// Errors thrown by `Tokenizer`.
public enum TokenizerError: Error, CustomStringConvertible, Equatable {
    /// The sentencepiece model file does not exist.
    case modelNotFound(path: String)
    /// libsentencepiece refused to load the file (corrupt, truncated or not a model).
    case modelUnreadable(path: String, message: String)
    /// The model loaded but does not have the XLM-R layout (`<unk>`=0, `<s>`=1, `</s>`=2).
    case unexpectedLayout(path: String, reason: String)
    /// A libsentencepiece call failed; `operation` names the call.
    case sentencepiece(operation: String, message: String)
    /// `maxLength` must leave room for `<s>` and `</s>` and at least one content token.
    case invalidMaxLength(Int)
    /// The text is too long for sentencepiece's 32-bit byte offsets.
    case textTooLong(bytes: Int)

    public var description: String {
        switch self {
        case .modelNotFound(let path):
            return "No sentencepiece model at \(path); pass the model folder with --model or set GLOSSA_MODEL "
                + "(the folder must contain sentencepiece.bpe.model)."
        case .modelUnreadable(let path, let message):
            return "Cannot load the sentencepiece model \(path): \(message). Re-create the model folder "
                + "(glossa import) or check that the file is not truncated."
        case .unexpectedLayout(let path, let reason):
            return "The sentencepiece model \(path) does not have the XLM-R layout: \(reason). "
                + "Use the multilingual-e5 sentencepiece.bpe.model."
        case .sentencepiece(let operation, let message):
            return "sentencepiece \(operation) failed: \(message)."
        case .invalidMaxLength(let value):
            return "maxLength \(value) is too small; it must be at least 3 (<s>, one token, </s>)."
        case .textTooLong(let bytes):
            return "A text of \(bytes) UTF-8 bytes is too long to tokenize (limit 4 GiB); split it first."
        }
    }
}
