// The encoder hyper-parameters from a Hugging Face config.json (BertModel or XLMRobertaModel),
// decoded by hand so that every missing or wrong field is reported by name.
public import Foundation

/// Which Hugging Face architecture the checkpoint follows; it decides where positions start.
public enum ModelType: String, Sendable, Equatable {
    case bert = "bert"
    case xlmRoberta = "xlm-roberta"
}

/// Encoder hyper-parameters, as in HF `BertConfig` / `XLMRobertaConfig`.
public struct ModelConfig: Sendable, Equatable {
    public var modelType: ModelType
    /// C: hidden size (384 for mE5-small).
    public var hiddenSize: Int
    public var numHiddenLayers: Int
    /// H: attention heads; head size D = hiddenSize / numAttentionHeads.
    public var numAttentionHeads: Int
    /// F: feed-forward size.
    public var intermediateSize: Int
    /// V: rows of the word embedding table.
    public var vocabSize: Int
    public var maxPositionEmbeddings: Int
    public var typeVocabSize: Int
    public var layerNormEps: Float
    public var padTokenId: Int
    /// Always "gelu" (the erf form) for the supported models.
    public var hiddenAct: String

    /// Position id of the first token. BERT counts from 0; XLM-RoBERTa from padding_idx + 1
    /// (HF `create_position_ids_from_input_ids`), i.e. padTokenId + 1.
    public var positionOffset: Int {
        switch modelType {
        case .bert: return 0
        case .xlmRoberta: return padTokenId + 1
        }
    }

    /// Head size D.
    public var headSize: Int { hiddenSize / numAttentionHeads }

    public init(
        modelType: ModelType, hiddenSize: Int, numHiddenLayers: Int, numAttentionHeads: Int,
        intermediateSize: Int, vocabSize: Int, maxPositionEmbeddings: Int, typeVocabSize: Int,
        layerNormEps: Float, padTokenId: Int, hiddenAct: String = "gelu"
    ) {
        self.modelType = modelType
        self.hiddenSize = hiddenSize
        self.numHiddenLayers = numHiddenLayers
        self.numAttentionHeads = numAttentionHeads
        self.intermediateSize = intermediateSize
        self.vocabSize = vocabSize
        self.maxPositionEmbeddings = maxPositionEmbeddings
        self.typeVocabSize = typeVocabSize
        self.layerNormEps = layerNormEps
        self.padTokenId = padTokenId
        self.hiddenAct = hiddenAct
    }

    /// Reads and validates `path` (a config.json). Throws `ModelError.unreadable`, `.invalidConfig`
    /// (naming the field) or `.unsupportedModelType`.
    public init(contentsOf path: String) throws {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw ModelError.unreadable(path: path, reason: "cannot read the file")
        }
        try self.init(json: data, path: path)
    }

    /// Decodes config.json bytes; `path` is only used in errors.
    public init(json data: Data, path: String) throws {
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: data)
        } catch {
            throw ModelError.invalidConfig(path: path, field: "(root)", reason: "the file is not valid JSON")
        }
        guard let root = object as? [String: Any] else {
            throw ModelError.invalidConfig(path: path, field: "(root)", reason: "expected a JSON object")
        }
        let fields = ConfigFields(root: root, path: path)
        let typeName = try fields.string("model_type")
        guard let modelType = ModelType(rawValue: typeName) else {
            throw ModelError.unsupportedModelType(path: path, modelType: typeName)
        }
        self.modelType = modelType
        hiddenSize = try fields.positiveInt("hidden_size")
        numHiddenLayers = try fields.positiveInt("num_hidden_layers")
        numAttentionHeads = try fields.positiveInt("num_attention_heads")
        intermediateSize = try fields.positiveInt("intermediate_size")
        vocabSize = try fields.positiveInt("vocab_size")
        maxPositionEmbeddings = try fields.positiveInt("max_position_embeddings")
        typeVocabSize = try fields.positiveInt("type_vocab_size")
        layerNormEps = try fields.positiveFloat("layer_norm_eps")
        padTokenId = try fields.int("pad_token_id")
        hiddenAct = try fields.string("hidden_act")
        guard hiddenAct == "gelu" else {
            throw ModelError.invalidConfig(
                path: path, field: "hidden_act", reason: "'\(hiddenAct)' is not supported; only 'gelu' (erf) is")
        }
        guard hiddenSize % numAttentionHeads == 0 else {
            throw ModelError.invalidConfig(
                path: path, field: "num_attention_heads",
                reason: "\(numAttentionHeads) does not divide hidden_size \(hiddenSize)")
        }
        guard padTokenId >= 0, padTokenId < vocabSize else {
            throw ModelError.invalidConfig(
                path: path, field: "pad_token_id", reason: "\(padTokenId) is outside the vocabulary (\(vocabSize))")
        }
    }

    /// The config.json text for this config (sorted keys, HF field names), as the importer writes it.
    public func jsonData() throws -> Data {
        let architecture = modelType == .bert ? "BertModel" : "XLMRobertaModel"
        let object: [String: Any] = [
            "architectures": [architecture],
            "model_type": modelType.rawValue,
            "hidden_size": hiddenSize,
            "num_hidden_layers": numHiddenLayers,
            "num_attention_heads": numAttentionHeads,
            "intermediate_size": intermediateSize,
            "vocab_size": vocabSize,
            "max_position_embeddings": maxPositionEmbeddings,
            "type_vocab_size": typeVocabSize,
            // Via the shortest Float text, so 1e-12 is written as 1e-12, not 9.99999996e-13.
            "layer_norm_eps": Double("\(layerNormEps)") ?? Double(layerNormEps),
            "pad_token_id": padTokenId,
            "hidden_act": hiddenAct,
            "position_embedding_type": "absolute",
            "attention_probs_dropout_prob": 0.1,
            "hidden_dropout_prob": 0.1,
            "initializer_range": 0.02,
            "torch_dtype": "float32",
        ]
        return try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
    }
}

/// Typed access to config.json fields with errors that name the field.
private struct ConfigFields {
    let root: [String: Any]
    let path: String

    func value(_ field: String) throws -> Any {
        guard let value = root[field], !(value is NSNull) else {
            throw ModelError.invalidConfig(path: path, field: field, reason: "the field is missing")
        }
        return value
    }

    func string(_ field: String) throws -> String {
        guard let text = try value(field) as? String else {
            throw ModelError.invalidConfig(path: path, field: field, reason: "expected a string")
        }
        return text
    }

    func int(_ field: String) throws -> Int {
        // JSON numbers arrive as NSNumber; reject fractional values. (On Linux an NSNumber 1 also
        // casts to Bool, so booleans cannot be told apart here and true reads as 1.)
        guard let number = try value(field) as? NSNumber, Double(number.intValue) == number.doubleValue
        else {
            throw ModelError.invalidConfig(path: path, field: field, reason: "expected an integer")
        }
        return number.intValue
    }

    func positiveInt(_ field: String) throws -> Int {
        let number = try int(field)
        guard number > 0 else {
            throw ModelError.invalidConfig(
                path: path, field: field, reason: "expected a positive integer, got \(number)")
        }
        return number
    }

    func positiveFloat(_ field: String) throws -> Float {
        // Checked as the Float the encoder uses: 1e-50 rounds to 0 and 1e300 to infinity (found by FuzzModelConfig).
        guard let number = try value(field) as? NSNumber, number.floatValue > 0, number.floatValue.isFinite else {
            throw ModelError.invalidConfig(
                path: path, field: field, reason: "expected a positive number within Float's range (about 1e-38 to 3e38)")
        }
        return number.floatValue
    }
}
