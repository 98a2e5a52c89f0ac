// The public face of GlossaEncoder: an mE5 (BERT / XLM-R) sentence encoder that turns texts into
// L2-normalised 384-d (for mE5-small) embeddings. Loading is O(1) in the vocabulary (the weights are
// mmapped); encoding batches texts by a token budget (see Encoder+Batching.swift).
import Foundation
public import GlossaCore
import GlossaKernels
public import GlossaModel
public import GlossaTokenizer

/// What to do with texts longer than the model's 512-token window.
public enum LongTextPolicy: Sendable, Hashable {
    /// Keep the first 510 content tokens (`<s>` … `</s>` make 512), as the reference and transformers do.
    case truncate
    /// Split the content into consecutive 510-token windows, encode each as its own `<s>` … `</s>`
    /// sequence, average the windows' normalised embeddings, and normalise the mean.
    case meanOfWindows
}

/// Called after each encoded batch with (texts done, texts total); runs on the calling thread.
public typealias EncodeProgress = (_ done: Int, _ total: Int) -> Void

/// An mE5 sentence encoder over a Hugging Face model folder
/// (config.json, model.safetensors, sentencepiece.bpe.model).
///
/// Embeddings are the mean of the last hidden state over the text's tokens, L2-normalised
/// (the multilingual-e5 model card), computed in fp32 on oneDNN and OpenBLAS. They match transformers'
/// `AutoModel` fp32 within 1e-5 per component (Tests/GlossaEncoderTests).
///
/// Thread safety: `Sendable`; calls from several threads are safe and are serialised around the
/// forward pass, which already uses every core. Memory: the mmapped weights plus activation buffers
/// for one batch (about 15 KB per token of the token budget for mE5-small).
public final class Encoder: Sendable {
    /// Embedding size C (384 for mE5-small).
    public let dimension: Int
    /// The model folder's name, e.g. "multilingual-e5-small".
    public let modelName: String
    /// The tokenizer loaded from the folder's sentencepiece.bpe.model.
    public let tokenizer: Tokenizer
    /// The model's hyper-parameters from config.json.
    public let config: ModelConfig
    /// The most tokens one sequence may have, `<s>` and `</s>` included (512 for mE5).
    public let maxSequenceLength: Int
    /// The most tokens packed into one forward pass (activation memory grows linearly with it).
    public let tokenBudget: Int
    /// The arithmetic of the Linear layers (`.fp32` unless asked otherwise).
    public let precision: Precision
    let transformer: Transformer

    /// Cores used by default: all of them, or `OPENBLAS_NUM_THREADS` when that is set lower (the usual way to
    /// bound a BLAS program's threads; the encoder runs OpenBLAS single-threaded under its own team). Read
    /// from the environment, not from OpenBLAS, whose thread count other encoders change while they run.
    public static var defaultThreadCount: Int {
        let cores = ProcessInfo.processInfo.activeProcessorCount
        guard let text = ProcessInfo.processInfo.environment["OPENBLAS_NUM_THREADS"], let limit = Int(text), limit > 0
        else { return cores }
        return min(cores, limit)
    }

    /// The default token budget per forward pass: large enough that every sgemm is efficient.
    public static let defaultTokenBudget = 4096

    /// Whether this is an instruct model (its folder name contains "instruct"), whose queries take
    /// `Instruct: {task}\nQuery: {text}` and whose passages take no prefix.
    public var isInstruct: Bool { modelName.lowercased().contains("instruct") }

    /// The task used by `embed(queries:)` on instruct models (the multilingual-e5-large-instruct card's example).
    public static let defaultInstruction = "Given a web search query, retrieve relevant passages that answer the query"

    /// Opens the model folder at `path`, checks every weight's shape against config.json and loads the tokenizer.
    ///
    /// Throws `EncoderError.modelFolder` (missing or malformed files), `.shapeMismatch` (naming the tensor,
    /// the expected and the actual shape), `.unsupportedConfig`, or `.tokenizer`.
    /// `tokenBudget` bounds the tokens of one forward pass (at least 512). `threads` is the number of cores
    /// a forward pass uses (nil: `defaultThreadCount`). `precision: .int8` quantises the Linear weights at load
    /// (a few seconds for mE5-small) and runs them as int8 products (see `Precision`).
    public convenience init(
        modelFolder path: String, tokenBudget: Int = Encoder.defaultTokenBudget, threads: Int? = nil,
        precision: Precision = .fp32
    ) throws {
        try self.init(
            modelFolder: path, tokenBudget: tokenBudget, threads: threads, precision: precision, int8Kernel: .best,
            linearKernel: .preferred)
    }

    /// As the public init, with the kernels chosen by the caller (tests force the portable int8 fallback, the
    /// OpenBLAS fp32 path, the OpenBLAS attention and the fp32 products without the 4-bit kernel).
    init(
        modelFolder path: String, tokenBudget: Int, threads: Int?, precision: Precision, int8Kernel: Int8Kernel,
        linearKernel: LinearKernel = .preferred, attentionKernel: AttentionKernel = .best,
        fourBitKernel: FourBitKernel? = .forEncoder
    ) throws {
        let folder: ModelFolder
        do {
            folder = try ModelFolder(path: path)
        } catch {
            throw EncoderError.modelFolder(path: path, underlying: error)
        }
        let config = folder.config
        try Self.check(config, path: path)
        let weights = try EncoderWeights(folder: folder, precision: precision)
        do {
            tokenizer = try Tokenizer(modelPath: folder.tokenizerModelPath)
        } catch {
            throw EncoderError.tokenizer(path: folder.tokenizerModelPath, underlying: error)
        }
        self.config = config
        dimension = config.hiddenSize
        modelName = folder.name
        self.precision = precision
        transformer = Transformer(
            config: config, weights: weights, threads: threads ?? Self.defaultThreadCount, precision: precision,
            int8Kernel: int8Kernel, linearKernel: linearKernel, attentionKernel: attentionKernel,
            fourBitKernel: fourBitKernel)
        maxSequenceLength = min(Tokenizer.maxLength, transformer.maxSequenceLength)
        self.tokenBudget = max(tokenBudget, maxSequenceLength)
    }

    /// On the int8 path, how many blocks of 32 weights were exactly 4-bit (kept exact) out of all blocks;
    /// (0, 0) on the fp32 path.
    public var int8WeightBlocks: (fourBit: Int, total: Int) {
        let matrices = transformer.weights.layers.flatMap { $0.quantized?.all ?? [] }
        return (matrices.reduce(0) { $0 + $1.fourBitBlocks }, matrices.reduce(0) { $0 + $1.blocks })
    }

    /// The fp32 path's Linear kernel in use ("onednn", or "openblas" when asked for or when oneDNN refused the
    /// weights), or nil on the int8 path.
    public var fp32KernelName: String? { precision == .fp32 ? transformer.linearKernel.rawValue : nil }

    /// The kernel of the fp32 path's few-row products over exactly 4-bit weights ("avx512"), or nil where the
    /// path has none (the int8 path, weights that are not 4-bit, a CPU without AVX-512, `GLOSSA_FOUR_BIT=off`).
    public var fourBitKernelName: String? { transformer.fourBitKernel?.rawValue }

    /// The attention kernel in use: "fused" by default where the CPU and head size allow it, else "blas".
    public var attentionKernelName: String { transformer.attentionKernel.rawValue }

    /// The int8 kernel in use ("vnni", "avx2" or "portable"), or nil on the fp32 path.
    public var int8KernelName: String? { precision == .int8 ? transformer.int8Kernel.rawValue : nil }

    private static func check(_ config: ModelConfig, path: String) throws {
        guard config.hiddenAct == "gelu" else {
            throw EncoderError.unsupportedConfig(
                path: path, field: "hidden_act", reason: "'\(config.hiddenAct)' is not 'gelu' (the erf form)")
        }
        guard config.numAttentionHeads > 0, config.hiddenSize % config.numAttentionHeads == 0 else {
            throw EncoderError.unsupportedConfig(
                path: path, field: "num_attention_heads",
                reason: "\(config.numAttentionHeads) does not divide hidden_size \(config.hiddenSize)")
        }
        guard config.typeVocabSize >= 1 else {
            throw EncoderError.unsupportedConfig(path: path, field: "type_vocab_size", reason: "must be at least 1")
        }
        guard config.maxPositionEmbeddings - config.positionOffset >= 3 else {
            throw EncoderError.unsupportedConfig(
                path: path, field: "max_position_embeddings",
                reason: "\(config.maxPositionEmbeddings) leaves no room for <s> … </s> after the position offset")
        }
    }

    // MARK: - Embedding texts

    /// Embeddings of search queries: `"query: " + text` (on instruct models, `defaultInstruction`).
    /// Returns one `dimension`-long unit vector per text, in input order.
    public func embed(queries: [String]) throws -> [[Float]] {
        try embed(queries, kind: .query)
    }

    /// Embeddings of documents or chunks: `"passage: " + text` (no prefix on instruct models).
    public func embed(passages: [String]) throws -> [[Float]] {
        try embed(passages, kind: .passage)
    }

    /// Embeddings of queries for an instruct model: `"Instruct: {instruction}\nQuery: {text}"`.
    public func embed(queries: [String], instruction: String) throws -> [[Float]] {
        try embed(queries, kind: .instructedQuery(task: instruction))
    }

    /// The prefix convention actually used for `kind` with this model (instruct models differ).
    public func effectiveKind(_ kind: TextKind) -> TextKind {
        guard isInstruct else { return kind }
        switch kind {
        case .query: return .instructedQuery(task: Self.defaultInstruction)
        case .passage: return .none
        case .instructedQuery, .none: return kind
        }
    }

    /// Embeddings of `texts` with the prefix of `kind` (see `effectiveKind`), in input order.
    ///
    /// An empty text encodes the prefix alone (as transformers does). Texts longer than
    /// `maxSequenceLength` tokens follow `longTexts`. `progress`, if given, is called after each
    /// forward pass. Throws `EncoderError.tokenization` naming the first text that failed.
    /// Cost: linear in the total number of tokens (attention is quadratic per text, ≤ 512).
    public func embed(
        _ texts: [String], kind: TextKind, longTexts: LongTextPolicy = .truncate,
        progress: EncodeProgress? = nil
    ) throws -> [[Float]] {
        let kind = effectiveKind(kind)
        var result: [[Float]] = []
        result.reserveCapacity(texts.count)
        // Work through large inputs a slice at a time so that token ids never pile up in memory, tokenising
        // the next slice in the background while this one is encoded.
        let slices = stride(from: 0, to: texts.count, by: Self.textsPerSlice).map {
            $0..<min(texts.count, $0 + Self.textsPerSlice)
        }
        let tokenizeSlice = { @Sendable (range: Range<Int>) throws -> [TokenSequence] in
            try self.tokenize(Array(texts[range]), kind: kind, longTexts: longTexts, indexBase: range.lowerBound)
        }
        // The first slice is tokenised here (there is nothing to overlap it with yet), each later one while
        // the slice before it is encoded.
        var next: Pending<[TokenSequence]>?
        for (index, range) in slices.enumerated() {
            let sequences = try next?.value() ?? tokenizeSlice(range)
            next = index + 1 < slices.count ? Pending { try tokenizeSlice(slices[index + 1]) } : nil
            let vectors = encode(sequences, owners: range.count) { done in
                progress?(range.lowerBound + done, texts.count)
            }
            result.append(contentsOf: vectors)
        }
        return result
    }

    /// Embeddings of ready-made model id sequences (`<s>` … `</s>` included, as `Tokenizer.encode` gives).
    ///
    /// Throws `EncoderError.invalidTokenIDs` for an empty sequence, one longer than `maxSequenceLength`,
    /// or an id outside the embedding table.
    public func embed(tokenIDs: [[Int32]], progress: EncodeProgress? = nil) throws -> [[Float]] {
        for (index, ids) in tokenIDs.enumerated() { try validate(ids, index: index) }
        let sequences = tokenIDs.enumerated().map { TokenSequence(owner: $0.offset, ids: $0.element) }
        return encode(sequences, owners: tokenIDs.count) { done in progress?(done, tokenIDs.count) }
    }

    func validate(_ ids: [Int32], index: Int) throws {
        guard !ids.isEmpty else { throw EncoderError.invalidTokenIDs(index: index, reason: "it is empty") }
        guard ids.count <= maxSequenceLength else {
            throw EncoderError.invalidTokenIDs(
                index: index, reason: "it has \(ids.count) ids, more than the model's \(maxSequenceLength)")
        }
        if let bad = ids.first(where: { $0 < 0 || Int($0) >= config.vocabSize }) {
            throw EncoderError.invalidTokenIDs(
                index: index, reason: "id \(bad) is outside the embedding table (0..<\(config.vocabSize))")
        }
    }
}
