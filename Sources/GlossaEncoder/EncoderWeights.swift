// The encoder's weights, resolved once at load: LayerNorms, biases and most matrices are zero-copy
// views into the mmapped model.safetensors; Q, K and V are concatenated once into one (3C, C) matrix
// so that each layer does a single fused QKV sgemm. Every tensor's shape is checked against config.json.
// For the int8 path the four Linear weights of each layer are also quantised once (QuantizedLayer).
import Glibc
import GlossaKernels
import GlossaModel

/// An owned, fixed-size Float buffer with a stable address (for fused weights and workspaces).
final class FloatBuffer: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<Float>
    let count: Int

    init(count: Int) {
        self.count = count
        pointer = UnsafeMutablePointer<Float>.allocate(capacity: max(count, 1))
        pointer.initialize(repeating: 0, count: max(count, 1))
    }

    deinit { pointer.deallocate() }
}

/// One layer's Linear weights quantised for the int8 path (same shapes as their fp32 originals).
struct QuantizedLayer: @unchecked Sendable {
    /// (3C, C) query | key | value.
    let qkv: QuantizedMatrix
    /// (C, C), (F, C), (C, F)
    let attentionOutput: QuantizedMatrix
    let intermediate: QuantizedMatrix
    let output: QuantizedMatrix

    var all: [QuantizedMatrix] { [qkv, attentionOutput, intermediate, output] }
}

/// One transformer layer's parameters. Shapes: C hidden, F feed-forward.
struct LayerWeights: @unchecked Sendable {
    /// The int8 path's weights (nil on the fp32 path).
    let quantized: QuantizedLayer?
    /// (3C, C): rows 0..<C query, C..<2C key, 2C..<3C value (HF Linear layout [out, in]); empty on the int8
    /// path, which never reads it.
    let qkvWeight: FloatBuffer
    /// (3C)
    let qkvBias: FloatBuffer
    /// (C, C), (C)
    let attentionOutputWeight: FloatTensor
    let attentionOutputBias: FloatTensor
    /// (C), (C)
    let attentionNormWeight: FloatTensor
    let attentionNormBias: FloatTensor
    /// (F, C), (F)
    let intermediateWeight: FloatTensor
    let intermediateBias: FloatTensor
    /// (C, F), (C)
    let outputWeight: FloatTensor
    let outputBias: FloatTensor
    /// (C), (C)
    let outputNormWeight: FloatTensor
    let outputNormBias: FloatTensor
}

/// All parameters of a BERT / XLM-R encoder (no pooler: mE5 mean-pools the last hidden state).
struct EncoderWeights: @unchecked Sendable {
    /// (V, C)
    let wordEmbeddings: FloatTensor
    /// (maxPositionEmbeddings, C)
    let positionEmbeddings: FloatTensor
    /// (typeVocabSize, C); only row 0 is used (token_type_ids are all 0).
    let tokenTypeEmbeddings: FloatTensor
    /// (C), (C)
    let embeddingNormWeight: FloatTensor
    let embeddingNormBias: FloatTensor
    let layers: [LayerWeights]

    /// Loads and checks every tensor of `folder` against its config; with `.int8`, quantises the Linear weights.
    init(folder: ModelFolder, precision: Precision = .fp32) throws {
        let config = folder.config
        let c = config.hiddenSize
        let f = config.intermediateSize
        func load(_ name: String, _ shape: [Int]) throws -> FloatTensor {
            do {
                return try folder.tensor(name, shape: shape)
            } catch ModelError.shapeMismatch(_, let tensor, let expected, let actual) {
                throw EncoderError.shapeMismatch(path: folder.path, tensor: tensor, expected: expected, actual: actual)
            } catch {
                throw EncoderError.weights(path: folder.path, tensor: folder.tensorPrefix + name, underlying: error)
            }
        }
        wordEmbeddings = try load(TensorNames.wordEmbeddings, [config.vocabSize, c])
        positionEmbeddings = try load(TensorNames.positionEmbeddings, [config.maxPositionEmbeddings, c])
        tokenTypeEmbeddings = try load(TensorNames.tokenTypeEmbeddings, [config.typeVocabSize, c])
        embeddingNormWeight = try load(TensorNames.embeddingsLayerNormWeight, [c])
        embeddingNormBias = try load(TensorNames.embeddingsLayerNormBias, [c])
        var layers: [LayerWeights] = []
        for index in 0..<config.numHiddenLayers {
            let names = TensorNames.layer(index)
            // Fuse Q, K, V: one (3C, C) weight and one (3C) bias, copied once at load (the weight only for fp32).
            let qkvWeight = FloatBuffer(count: precision == .fp32 ? 3 * c * c : 0)
            let qkvBias = FloatBuffer(count: 3 * c)
            let parts = [
                (names.queryWeight, names.queryBias), (names.keyWeight, names.keyBias),
                (names.valueWeight, names.valueBias),
            ]
            var qkvParts: [FloatTensor] = []
            for (part, (weightName, biasName)) in parts.enumerated() {
                let weight = try load(weightName, [c, c])
                let bias = try load(biasName, [c])
                if precision == .fp32 { (qkvWeight.pointer + part * c * c).update(from: weight.pointer, count: c * c) }
                (qkvBias.pointer + part * c).update(from: bias.pointer, count: c)
                qkvParts.append(weight)
            }
            let attentionOutputWeight = try load(names.attentionOutputWeight, [c, c])
            let intermediateWeight = try load(names.intermediateWeight, [f, c])
            let outputWeight = try load(names.outputWeight, [c, f])
            var quantized: QuantizedLayer?
            if precision == .int8 {
                quantized = QuantizedLayer(
                    qkv: QuantizedMatrix(parts: qkvParts.map { ($0.pointer, c) }, columns: c),
                    attentionOutput: QuantizedMatrix(weight: attentionOutputWeight.pointer, rows: c, columns: c),
                    intermediate: QuantizedMatrix(weight: intermediateWeight.pointer, rows: f, columns: c),
                    output: QuantizedMatrix(weight: outputWeight.pointer, rows: c, columns: f))
                // The int8 path never reads these fp32 weights again: hand their pages back layer by layer, so
                // that resident memory peaks below the fp32 path's.
                for tensor in qkvParts + [attentionOutputWeight, intermediateWeight, outputWeight] {
                    releasePages(tensor.pointer, bytes: tensor.count * MemoryLayout<Float>.size)
                }
            }
            layers.append(
                LayerWeights(
                    quantized: quantized, qkvWeight: qkvWeight, qkvBias: qkvBias,
                    attentionOutputWeight: attentionOutputWeight,
                    attentionOutputBias: try load(names.attentionOutputBias, [c]),
                    attentionNormWeight: try load(names.attentionLayerNormWeight, [c]),
                    attentionNormBias: try load(names.attentionLayerNormBias, [c]),
                    intermediateWeight: intermediateWeight,
                    intermediateBias: try load(names.intermediateBias, [f]),
                    outputWeight: outputWeight,
                    outputBias: try load(names.outputBias, [c]),
                    outputNormWeight: try load(names.outputLayerNormWeight, [c]),
                    outputNormBias: try load(names.outputLayerNormBias, [c])))
        }
        self.layers = layers
    }
}

/// Asks the kernel to reclaim the whole pages inside `bytes` at `pointer` (MADV_PAGEOUT, Linux 5.4+). Pages of the
/// mmapped model file are dropped and would be read again from the file if touched; anonymous pages keep their
/// contents (swapped, or left alone without swap). Only resident memory changes, so a refusal (an older kernel's
/// EINVAL) is harmless and ignored.
private func releasePages(_ pointer: UnsafePointer<Float>, bytes: Int) {
    let page = Int(sysconf(Int32(_SC_PAGESIZE)))
    let first = (Int(bitPattern: pointer) + page - 1) / page * page
    let end = (Int(bitPattern: pointer) + bytes) / page * page
    guard end > first, let address = UnsafeMutableRawPointer(bitPattern: first) else { return }
    // 21 = MADV_PAGEOUT (linux/mman.h); Glibc's headers on Debian 12 predate the constant.
    _ = madvise(address, end - first, 21)
}
