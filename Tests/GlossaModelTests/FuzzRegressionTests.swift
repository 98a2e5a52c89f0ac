// Inputs the fuzz targets (Fuzz/) found, minimised, each pinned to the fix it needed.
import Foundation
import GlossaModel
import Testing

@Suite struct FuzzRegressionTests {
    /// FuzzModelConfig: `layer_norm_eps` 1e-50 is a positive Double but 0 as the encoder's Float (and 1e300 is
    /// infinity); it was accepted, and the config the importer writes back was then refused.
    @Test("a layer_norm_eps that rounds to 0 or infinity as a Float is refused naming the field",
          arguments: ["1e-50", "1e300"])
    func layerNormEpsOutsideFloat(eps: String) throws {
        let json = #"{"model_type": "xlm-roberta", "hidden_size": 8, "num_hidden_layers": 1, "num_attention_heads": 2, "#
            + #""intermediate_size": 16, "vocab_size": 10, "max_position_embeddings": 20, "type_vocab_size": 1, "#
            + #""layer_norm_eps": \#(eps), "pad_token_id": 1, "hidden_act": "gelu"}"#
        #expect {
            try ModelConfig(json: Data(json.utf8), path: "config.json")
        } throws: { error in
            guard case ModelError.invalidConfig(_, let field, _) = error else { return false }
            return field == "layer_norm_eps"
        }
    }
}
