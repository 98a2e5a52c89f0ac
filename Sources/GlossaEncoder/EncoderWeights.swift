// The encoder's weights, resolved once at load: LayerNorms, biases and most matrices are zero-copy
// views into the mmapped model.safetensors; Q, K and V are concatenated once into one (3C, C) matrix
// so that each layer does a single fused QKV sgemm. Every tensor's shape is checked against config.json.
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

/// One transformer layer's parameters. Shapes: C hidden, F feed-forward.
struct LayerWeights: @unchecked Sendable {
    /// (3C, C): rows 0..<C query, C..<2C key, 2C..<3C value (HF Linear layout [out, in]).
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

    /// Loads and checks every tensor of `folder` against its config.
    init(folder: ModelFolder) throws {
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
            // Fuse Q, K, V: one (3C, C) weight and one (3C) bias, copied once at load.
            let qkvWeight = FloatBuffer(count: 3 * c * c)
            let qkvBias = FloatBuffer(count: 3 * c)
            let parts = [
                (names.queryWeight, names.queryBias), (names.keyWeight, names.keyBias),
                (names.valueWeight, names.valueBias),
            ]
            for (part, (weightName, biasName)) in parts.enumerated() {
                let weight = try load(weightName, [c, c])
                let bias = try load(biasName, [c])
                (qkvWeight.pointer + part * c * c).update(from: weight.pointer, count: c * c)
                (qkvBias.pointer + part * c).update(from: bias.pointer, count: c)
            }
            layers.append(
                LayerWeights(
                    qkvWeight: qkvWeight, qkvBias: qkvBias,
                    attentionOutputWeight: try load(names.attentionOutputWeight, [c, c]),
                    attentionOutputBias: try load(names.attentionOutputBias, [c]),
                    attentionNormWeight: try load(names.attentionLayerNormWeight, [c]),
                    attentionNormBias: try load(names.attentionLayerNormBias, [c]),
                    intermediateWeight: try load(names.intermediateWeight, [f, c]),
                    intermediateBias: try load(names.intermediateBias, [f]),
                    outputWeight: try load(names.outputWeight, [c, f]),
                    outputBias: try load(names.outputBias, [c]),
                    outputNormWeight: try load(names.outputLayerNormWeight, [c]),
                    outputNormBias: try load(names.outputLayerNormBias, [c])))
        }
        self.layers = layers
    }
}
