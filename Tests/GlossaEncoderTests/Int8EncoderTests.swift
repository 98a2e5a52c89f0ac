// The int8 path (Precision.int8) against the fp32 path: cosine on the golden texts (real mE5-small), the
// portable kernel forced against the SIMD ones (VNNI, AVX2) (bit for bit, on the real model and the tiny fixture), batched
// equal to one at a time, the 4-bit detection on the imported weights, and fp32 untouched by the option.
import Foundation
import GlossaCore
import GlossaTestSupport
import Testing

@testable import GlossaEncoder
@testable import GlossaKernels

@Suite(.enabled(if: TestLocations.modelTestsEnabled && TestLocations.sharedTestsEnabled))
struct Int8GoldenTests {
    let golden: [GoldenText]
    let fp32: Encoder
    let int8: Encoder

    init() throws {
        golden = try Golden.texts()
        fp32 = try Encoder(modelFolder: TestLocations.modelFolder.path)
        int8 = try Encoder(modelFolder: TestLocations.modelFolder.path, precision: .int8)
    }

    @Test("int8 vectors are within the cosine bounds of fp32 on every golden text, queries and passages")
    func cosineToFloat() throws {
        for kind in [TextKind.query, .passage] {
            let exact = try fp32.embed(golden.map(\.text), kind: kind)
            let approx = try int8.embed(golden.map(\.text), kind: kind)
            let cosines = zip(exact, approx).map { Numeric.cosine($0, $1) }
            let mean = cosines.reduce(0, +) / Double(cosines.count)
            let (worst, index) = zip(cosines, cosines.indices).min { $0.0 < $1.0 } ?? (1, 0)
            #expect(mean >= Tolerance.int8MeanCosine, "\(kind): mean cosine \(mean)")
            #expect(worst >= Tolerance.int8MinCosine, "\(kind): \(golden[index].id) has cosine \(worst)")
            // Not the fp32 path under another name: quantisation must move the vectors a little.
            #expect(mean < 1 - 1e-7, "\(kind): int8 equals fp32 (mean cosine \(mean))")
        }
    }

    @Test("the fp32 path still matches the golden vectors with an int8 encoder loaded beside it")
    func fp32Unchanged() throws {
        let vectors = try fp32.embed(queries: golden.map(\.text))
        for (vector, text) in zip(vectors, golden) { expectClose(vector, text.query, "\(text.id) query") }
    }

    @Test("the imported 4-bit weights are detected as 4-bit in every block")
    func fourBitDetected() {
        let blocks = int8.int8WeightBlocks
        #expect(blocks.total == 12 * (3 * 384 * 12 + 384 * 12 + 1536 * 12 + 384 * 48))
        #expect(blocks.fourBit == blocks.total)
    }

    @Test(
        "the forced portable fallback gives the SIMD kernel's vectors bit for bit",
        .enabled(if: Int8Kernel.best != .portable))
    func portableEqualsSIMD() throws {
        let portable = try Encoder(
            modelFolder: TestLocations.modelFolder.path, tokenBudget: Encoder.defaultTokenBudget, threads: nil,
            precision: .int8, int8Kernel: .portable)
        #expect(portable.int8KernelName == "portable")
        #expect(int8.int8KernelName == Int8Kernel.best.rawValue)
        // A short and a long text are enough to cross every kernel tile shape; the portable kernel is slow.
        let sorted = golden.sorted { $0.token_ids.count < $1.token_ids.count }
        let texts = [sorted[0].text, sorted[sorted.count / 2].text, sorted[sorted.count - 1].text]
        #expect(try portable.embed(passages: texts) == int8.embed(passages: texts))
    }

    @Test("int8 batched equals int8 one at a time")
    func batchedEqualsSingle() throws {
        let texts = golden.prefix(12).map(\.text)
        let batched = try int8.embed(passages: texts)
        for (vector, text) in zip(batched, texts) {
            expectClose(vector, try int8.embed(passages: [text])[0], "int8 single \(text.prefix(20))")
        }
    }
}

@Suite struct Int8TinyTests {
    @Test(
        "tiny XLM-R: every int8 kernel this CPU runs gives the portable path's vectors bit for bit",
        .enabled(if: Int8Kernel.best != .portable))
    func tinyKernelsAgree() throws {
        let reference = try TinyReference.load()
        let texts = reference.texts.map(\.text)
        func encoder(_ kernel: Int8Kernel) throws -> Encoder {
            try Encoder(
                modelFolder: TinyReference.folder.path, tokenBudget: Encoder.defaultTokenBudget, threads: nil,
                precision: .int8, int8Kernel: kernel)
        }
        let portable = try encoder(.portable).embed(queries: texts)
        for kernel in Int8Kernel.allCases where kernel != .portable && kernel.isSupported {
            #expect(try encoder(kernel).embed(queries: texts) == portable, "\(kernel)")
        }
    }

    @Test("tiny XLM-R: int8 stays close to the transformers reference (random, non-4-bit weights)")
    func tinyCloseToReference() throws {
        let reference = try TinyReference.load()
        let encoder = try Encoder(modelFolder: TinyReference.folder.path, precision: .int8)
        #expect(encoder.int8WeightBlocks.fourBit < encoder.int8WeightBlocks.total)
        let vectors = try encoder.embed(queries: reference.texts.map(\.text))
        for (vector, text) in zip(vectors, reference.texts) {
            #expect(Numeric.cosine(vector, text.query) >= 0.99, "\(text.id)")
        }
    }
}
