// The xlm-roberta path (positions from padding_idx + 1, LayerNorm eps 1e-5, one token type) against
// transformers on a tiny randomly initialised XLM-R (Tests/Fixtures/tiny-xlmr), at the fp32 bar of 1e-5.
import Foundation
import GlossaCore
import GlossaEncoder
import GlossaTestSupport
import Testing

@Suite struct TinyXLMRTests {
    let reference: TinyReference
    let encoder: Encoder

    init() throws {
        reference = try TinyReference.load()
        encoder = try Encoder(modelFolder: TinyReference.folder.path)
    }

    @Test("the tokenizer gives the reference ids for every text, query and passage")
    func tokenIDs() throws {
        for text in reference.texts {
            #expect(try encoder.tokenizer.encode(text.text, kind: .query) == text.token_ids, "\(text.id)")
            #expect(try encoder.tokenizer.encode(text.text, kind: .passage) == text.passage_token_ids, "\(text.id)")
        }
    }

    @Test("query embeddings match transformers, one text at a time and all at once")
    func queries() throws {
        for text in reference.texts {
            let single = try encoder.embed(queries: [text.text])
            expectClose(single[0], text.query, "\(text.id) single")
        }
        let all = try encoder.embed(queries: reference.texts.map(\.text))
        for (vector, text) in zip(all, reference.texts) {
            expectClose(vector, text.query, "\(text.id) batched")
            expectClose(vector, text.query_batched, "\(text.id) vs padded batch")
        }
    }

    @Test("passage embeddings match transformers")
    func passages() throws {
        let all = try encoder.embed(passages: reference.texts.map(\.text))
        for (vector, text) in zip(all, reference.texts) { expectClose(vector, text.passage, text.id) }
    }

    @Test("embedding the reference token ids gives the reference vectors")
    func fromTokenIDs() throws {
        let all = try encoder.embed(tokenIDs: reference.texts.map(\.token_ids))
        for (vector, text) in zip(all, reference.texts) { expectClose(vector, text.query, text.id) }
    }

    @Test("the encoder reports the model's shape")
    func shape() {
        #expect(encoder.dimension == 32)
        #expect(encoder.modelName == "tiny-xlmr")
        #expect(!encoder.isInstruct)
        #expect(encoder.maxSequenceLength == 512)
    }

    @Test(
        "batched equals one-at-a-time over a grid of batch compositions and token budgets",
        arguments: [512, 600, 2048])
    func batchingGrid(budget: Int) throws {
        let encoder = try Encoder(modelFolder: TinyReference.folder.path, tokenBudget: budget)
        let texts = reference.texts.map(\.text)
        let singles = try texts.map { try encoder.embed(passages: [$0])[0] }
        // Compositions: all, reversed, each text with every other one, and texts repeated.
        var compositions: [[Int]] = [Array(texts.indices), Array(texts.indices.reversed()), [0, 0, 1, 1, 0]]
        for i in texts.indices {
            for j in texts.indices where j > i { compositions.append([i, j]) }
        }
        for composition in compositions {
            let batched = try encoder.embed(passages: composition.map { texts[$0] })
            for (vector, index) in zip(batched, composition) {
                expectClose(vector, singles[index], "text \(index) in \(composition)")
            }
        }
    }
}
