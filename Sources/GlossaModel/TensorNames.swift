// The one table of Hugging Face BERT / XLM-R encoder tensor names (the llama.cpp pattern).
// Names are verbatim from transformers' BertModel state_dict; a `bert.`/`roberta.` prefix is
// resolved once by ModelFolder, never by rewriting these strings.

/// Hugging Face encoder tensor names, without any `bert.` / `roberta.` prefix.
public enum TensorNames {
    /// [V, C]
    public static let wordEmbeddings = "embeddings.word_embeddings.weight"
    /// [maxPositionEmbeddings, C]
    public static let positionEmbeddings = "embeddings.position_embeddings.weight"
    /// [typeVocabSize, C]
    public static let tokenTypeEmbeddings = "embeddings.token_type_embeddings.weight"
    /// [C]
    public static let embeddingsLayerNormWeight = "embeddings.LayerNorm.weight"
    /// [C]
    public static let embeddingsLayerNormBias = "embeddings.LayerNorm.bias"

    /// The names of encoder layer `index` (0-based). Linear weights are [out, in].
    public static func layer(_ index: Int) -> Layer { Layer(index: index) }

    /// Tensor names of one encoder layer.
    public struct Layer: Sendable {
        public let index: Int
        private var p: String { "encoder.layer.\(index)." }

        /// [C, C], [C]
        public var queryWeight: String { p + "attention.self.query.weight" }
        public var queryBias: String { p + "attention.self.query.bias" }
        /// [C, C], [C]
        public var keyWeight: String { p + "attention.self.key.weight" }
        public var keyBias: String { p + "attention.self.key.bias" }
        /// [C, C], [C]
        public var valueWeight: String { p + "attention.self.value.weight" }
        public var valueBias: String { p + "attention.self.value.bias" }
        /// [C, C], [C]: attention output projection.
        public var attentionOutputWeight: String { p + "attention.output.dense.weight" }
        public var attentionOutputBias: String { p + "attention.output.dense.bias" }
        /// [C], [C]: LayerNorm after attention + residual.
        public var attentionLayerNormWeight: String { p + "attention.output.LayerNorm.weight" }
        public var attentionLayerNormBias: String { p + "attention.output.LayerNorm.bias" }
        /// [F, C], [F]
        public var intermediateWeight: String { p + "intermediate.dense.weight" }
        public var intermediateBias: String { p + "intermediate.dense.bias" }
        /// [C, F], [C]
        public var outputWeight: String { p + "output.dense.weight" }
        public var outputBias: String { p + "output.dense.bias" }
        /// [C], [C]: LayerNorm after the feed-forward + residual.
        public var outputLayerNormWeight: String { p + "output.LayerNorm.weight" }
        public var outputLayerNormBias: String { p + "output.LayerNorm.bias" }
    }

    /// Every tensor of an encoder with `config`'s sizes, with its expected shape, in a stable order
    /// (embeddings first, then layers). The importer writes exactly these; tests check against it.
    public static func expectedShapes(for config: ModelConfig) -> [(name: String, shape: [Int])] {
        let c = config.hiddenSize
        let f = config.intermediateSize
        var result: [(name: String, shape: [Int])] = [
            (wordEmbeddings, [config.vocabSize, c]),
            (positionEmbeddings, [config.maxPositionEmbeddings, c]),
            (tokenTypeEmbeddings, [config.typeVocabSize, c]),
            (embeddingsLayerNormWeight, [c]),
            (embeddingsLayerNormBias, [c]),
        ]
        for index in 0..<config.numHiddenLayers {
            let l = layer(index)
            result += [
                (l.queryWeight, [c, c]), (l.queryBias, [c]),
                (l.keyWeight, [c, c]), (l.keyBias, [c]),
                (l.valueWeight, [c, c]), (l.valueBias, [c]),
                (l.attentionOutputWeight, [c, c]), (l.attentionOutputBias, [c]),
                (l.attentionLayerNormWeight, [c]), (l.attentionLayerNormBias, [c]),
                (l.intermediateWeight, [f, c]), (l.intermediateBias, [f]),
                (l.outputWeight, [c, f]), (l.outputBias, [c]),
                (l.outputLayerNormWeight, [c]), (l.outputLayerNormBias, [c]),
            ]
        }
        return result
    }
}
