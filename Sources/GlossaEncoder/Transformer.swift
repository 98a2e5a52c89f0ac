// The mE5 forward pass (HF BertModel / XLMRobertaModel, no pooler) over a packed batch: the tokens of
// all texts are concatenated into one (T, C) activation, so every Linear layer is one sgemm over all
// T tokens with no padding, while attention runs per text and per head (no cross-text attention).
// Then mean pooling over each text's tokens and L2 normalisation.
import Dispatch
import Foundation
import GlossaKernels
import GlossaModel

/// Several token id sequences laid end to end. Texts: B; total tokens: T = Σ lengths.
struct PackedBatch {
    /// (T) model ids, text after text.
    var ids: [Int32] = []
    /// (B) tokens per text, each ≥ 1.
    var lengths: [Int] = []

    mutating func append(_ sequence: [Int32]) {
        ids.append(contentsOf: sequence)
        lengths.append(sequence.count)
    }
}

/// Reused activation buffers for up to `capacity` tokens and texts of up to `maxLength` tokens.
final class Workspace {
    let capacity: Int
    let maxLength: Int
    /// (T, C) the residual stream.
    let hidden: FloatBuffer
    /// (T, C) sub-layer outputs before the residual add.
    let projected: FloatBuffer
    /// (T, C) attention context, heads side by side.
    let context: FloatBuffer
    /// (T, 3C) fused query | key | value.
    let qkv: FloatBuffer
    /// (T, F) feed-forward hidden.
    let ffnHidden: FloatBuffer
    /// One (maxLength, maxLength) score matrix per attention worker.
    let scores: [FloatBuffer]

    init(capacity: Int, maxLength: Int, config: ModelConfig, workers: Int) {
        self.capacity = capacity
        self.maxLength = maxLength
        let c = config.hiddenSize
        hidden = FloatBuffer(count: capacity * c)
        projected = FloatBuffer(count: capacity * c)
        context = FloatBuffer(count: capacity * c)
        qkv = FloatBuffer(count: capacity * 3 * c)
        ffnHidden = FloatBuffer(count: capacity * config.intermediateSize)
        scores = (0..<workers).map { _ in FloatBuffer(count: maxLength * maxLength) }
    }
}

/// Runs the encoder stack. Thread-safe: forward passes are serialised by a lock (they already use
/// every core, and OpenBLAS's thread count is process-global).
final class Transformer: @unchecked Sendable {
    let config: ModelConfig
    let weights: EncoderWeights
    /// Attention and element-wise workers (one per core).
    let workers: Int
    private let lock = NSLock()
    private var workspace: Workspace?

    init(config: ModelConfig, weights: EncoderWeights) {
        self.config = config
        self.weights = weights
        workers = max(1, min(ProcessInfo.processInfo.activeProcessorCount, 16))
    }

    /// The longest sequence the position table allows (512 for BERT and for XLM-R's 514 positions).
    var maxSequenceLength: Int { config.maxPositionEmbeddings - config.positionOffset }

    /// Mean-pooled, L2-normalised embeddings of each text in `batch`, in batch order: (B, C).
    /// Ids and lengths must already be validated (see `Encoder.validate`).
    func embed(_ batch: PackedBatch) -> [[Float]] {
        lock.lock()
        defer { lock.unlock() }
        let total = batch.ids.count
        let longest = batch.lengths.max() ?? 0
        if let current = workspace, current.capacity >= total, current.maxLength >= longest {
            return run(batch, workspace: current)
        }
        // Grow (never shrink below the previous size) so that a stream of similar batches reuses one workspace.
        let grown = Workspace(
            capacity: max(total, workspace?.capacity ?? 0), maxLength: max(longest, workspace?.maxLength ?? 0),
            config: config, workers: workers)
        workspace = grown
        return run(batch, workspace: grown)
    }

    /// Frees the activation buffers (they are re-made on the next call).
    func releaseWorkspace() {
        lock.lock()
        workspace = nil
        lock.unlock()
    }

    // MARK: - Forward pass

    private func run(_ batch: PackedBatch, workspace ws: Workspace) -> [[Float]] {
        let c = config.hiddenSize, f = config.intermediateSize, t = batch.ids.count
        var offsets: [Int] = []
        var start = 0
        for length in batch.lengths {
            offsets.append(start)
            start += length
        }
        var hidden = ws.hidden.pointer, projected = ws.projected.pointer
        // Embeddings: word[id] + token_type[0] + position[offset + i], in HF's order of additions.
        embed(batch, offsets: offsets, into: hidden)
        layerNorm(hidden, rows: t, gamma: weights.embeddingNormWeight.pointer, beta: weights.embeddingNormBias.pointer)
        for layer in weights.layers {
            // qkv: (T, 3C) = hidden (T, C) · Wqkvᵀ (C, 3C) + bqkv
            linear(hidden, rows: t, inFeatures: c, weight: layer.qkvWeight.pointer, bias: layer.qkvBias.pointer,
                   outFeatures: 3 * c, into: ws.qkv.pointer)
            // context: (T, C) = per text, per head softmax(q kᵀ / √D) v
            attention(offsets: offsets, lengths: batch.lengths, workspace: ws)
            // projected: (T, C) = context · Woᵀ + bo; hidden = LayerNorm(projected + hidden)
            linear(ws.context.pointer, rows: t, inFeatures: c, weight: layer.attentionOutputWeight.pointer,
                   bias: layer.attentionOutputBias.pointer, outFeatures: c, into: projected)
            addInPlace(projected, hidden, count: t * c)
            layerNorm(projected, rows: t, gamma: layer.attentionNormWeight.pointer, beta: layer.attentionNormBias.pointer)
            swap(&hidden, &projected)
            // ffnHidden: (T, F) = GELU(hidden · W1ᵀ + b1)
            linear(hidden, rows: t, inFeatures: c, weight: layer.intermediateWeight.pointer,
                   bias: layer.intermediateBias.pointer, outFeatures: f, into: ws.ffnHidden.pointer)
            gelu(ws.ffnHidden.pointer, count: t * f)
            // projected: (T, C) = ffnHidden · W2ᵀ + b2; hidden = LayerNorm(projected + hidden)
            linear(ws.ffnHidden.pointer, rows: t, inFeatures: f, weight: layer.outputWeight.pointer,
                   bias: layer.outputBias.pointer, outFeatures: c, into: projected)
            addInPlace(projected, hidden, count: t * c)
            layerNorm(projected, rows: t, gamma: layer.outputNormWeight.pointer, beta: layer.outputNormBias.pointer)
            swap(&hidden, &projected)
        }
        // Pooling: mean over each text's tokens (all real: nothing is padded), then L2 normalisation.
        var result: [[Float]] = []
        result.reserveCapacity(batch.lengths.count)
        for (offset, length) in zip(offsets, batch.lengths) {
            var vector = [Float](repeating: 0, count: c)
            vector.withUnsafeMutableBufferPointer { out in
                guard let base = out.baseAddress else { return }
                meanPool(hidden + offset * c, rows: length, cols: c, into: base)
                l2NormalizeInPlace(base, count: c)
            }
            result.append(vector)
        }
        return result
    }

    /// hidden[t] = word[ids[t]] + tokenType[0] + position[positionOffset + i], i the index within its text.
    private func embed(_ batch: PackedBatch, offsets: [Int], into hidden: UnsafeMutablePointer<Float>) {
        let c = config.hiddenSize
        let word = weights.wordEmbeddings.pointer
        let type0 = weights.tokenTypeEmbeddings.pointer
        let position = weights.positionEmbeddings.pointer
        // BERT positions run 0..n-1; XLM-R's start at padding_idx + 1 (HF create_position_ids_from_input_ids).
        let first = config.positionOffset
        for (offset, length) in zip(offsets, batch.lengths) {
            for i in 0..<length {
                let row = hidden + (offset + i) * c
                let w = word + Int(batch.ids[offset + i]) * c
                let p = position + (first + i) * c
                for j in 0..<c { row[j] = (w[j] + type0[j]) + p[j] }
            }
        }
    }
}
