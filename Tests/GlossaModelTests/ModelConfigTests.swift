// ModelConfig decoding: both model types, the position offset, and a named error for each bad field.
import Foundation
import Testing

@testable import GlossaModel

@Suite struct ModelConfigTests {
    @Test("bert positions start at 0, xlm-roberta at pad_token_id + 1")
    func positionOffset() throws {
        let bert = try ModelConfig(json: TestFiles.configJSON(modelType: "bert"), path: "c.json")
        #expect(bert.modelType == .bert && bert.positionOffset == 0)
        #expect(bert.hiddenSize == 8 && bert.headSize == 4 && bert.layerNormEps == 1e-12)
        let xlmr = try ModelConfig(json: TestFiles.configJSON(modelType: "xlm-roberta"), path: "c.json")
        #expect(xlmr.modelType == .xlmRoberta && xlmr.positionOffset == 2)
    }

    @Test("jsonData round-trips through the decoder")
    func roundTrip() throws {
        let config = ModelConfig(
            modelType: .bert, hiddenSize: 384, numHiddenLayers: 12, numAttentionHeads: 12, intermediateSize: 1536,
            vocabSize: 250037, maxPositionEmbeddings: 512, typeVocabSize: 2, layerNormEps: 1e-12, padTokenId: 1)
        #expect(try ModelConfig(json: config.jsonData(), path: "c.json") == config)
    }

    @Test("a missing field is named", arguments: ["hidden_size", "layer_norm_eps", "pad_token_id", "model_type"])
    func missingField(field: String) {
        let error = #expect(throws: ModelError.self) {
            try ModelConfig(json: TestFiles.configJSON(omit: field), path: "c.json")
        }
        #expect(error == .invalidConfig(path: "c.json", field: field, reason: "the field is missing"))
        #expect(error?.description.contains(field) == true)
    }

    @Test("unsupported model_type and hidden_act are rejected with the value")
    func unsupported() {
        #expect(throws: ModelError.unsupportedModelType(path: "c.json", modelType: "gpt2")) {
            try ModelConfig(json: TestFiles.configJSON(modelType: "gpt2"), path: "c.json")
        }
        let error = #expect(throws: ModelError.self) {
            try ModelConfig(json: TestFiles.configJSON(hiddenAct: "relu"), path: "c.json")
        }
        #expect(error?.description.contains("relu") == true)
        #expect(throws: ModelError.self) { try ModelConfig(json: Data("not json".utf8), path: "c.json") }
    }
}
