// The oneDNN Linear kernel (PackedLinear) against its naive twin: whole products, products cut into the
// encoder's per-core slices, column slices written into a wider output, row counts from one token to a full
// batch, and the primitives it keeps for one row count reused for another.
import Foundation
import Testing

@testable import GlossaKernels

@Suite struct PackedLinearTests {
    @Test(
        "oneDNN linear equals the naive loop",
        arguments: [(1, 384, 384), (3, 5, 7), (13, 384, 1152), (20, 1536, 384), (64, 96, 1536), (300, 384, 200)])
    func matchesNaive(shape: (Int, Int, Int)) throws {
        let (t, inF, outF) = shape
        var rng = SeededValues(seed: UInt64(t * 1000 + inF + outF))
        let x = rng.matrix(t, inF)
        let w = rng.matrix(outF, inF)
        let b = rng.matrix(1, outF).values
        let tolerance = 1e-5 * Float(inF).squareRoot()
        for parts in [1, 2, 3] {
            let fast = try packedLinear(x, weight: w, bias: b, parts: parts)
            let noBias = try packedLinear(x, weight: w, bias: nil, parts: parts)
            #expect(maxDiff(fast.values, Naive.linear(x, weight: w, bias: b).values) <= tolerance, "parts \(parts)")
            #expect(
                maxDiff(noBias.values, Naive.linear(x, weight: w, bias: nil).values) <= tolerance, "parts \(parts)")
        }
    }

    @Test("a slice writes its columns of the wide output and nothing else, for several row counts in turn")
    func sliceWritesOnlyItsColumns() throws {
        let inF = 384
        let outF = 200
        let slices = [0..<64, 64..<144, 144..<200]
        var rng = SeededValues(seed: 7)
        let w = rng.matrix(outF, inF)
        let b = rng.matrix(1, outF).values
        let packed = try w.values.withUnsafeBufferPointer {
            try PackedLinear(weight: $0.baseAddress!, outFeatures: outF, inFeatures: inF, slices: slices)
        }
        #expect(packed.packedBytes >= outF * inF * MemoryLayout<Float>.size)
        // 13 rows twice: the second call reuses the primitive the first made.
        for t in [13, 1, 13, 40] {
            let x = rng.matrix(t, inF)
            let expected = Naive.linear(x, weight: w, bias: b)
            for (index, slice) in slices.enumerated() {
                var out = [Float](repeating: 42, count: t * outF)
                try x.values.withUnsafeBufferPointer { xp in
                    try b.withUnsafeBufferPointer { bp in
                        try out.withUnsafeMutableBufferPointer { op in
                            try packed.apply(
                                slice: index, xp.baseAddress!, rows: t, bias: bp.baseAddress, into: op.baseAddress!)
                        }
                    }
                }
                for r in 0..<t {
                    for c in 0..<outF {
                        let got = out[r * outF + c]
                        if slice.contains(c) {
                            let tolerance = 1e-5 * Float(inF).squareRoot()
                            #expect(abs(got - expected[r, c]) <= tolerance, "rows \(t) (\(r), \(c))")
                        } else {
                            #expect(got == 42, "rows \(t): slice \(slice) wrote column \(c) of row \(r)")
                        }
                    }
                }
            }
        }
    }

    @Test("two threads run one packed weight at once through their own lanes, on threads that did not pack it")
    func lanesRunConcurrently() throws {
        // The shapes and row counts of a split batch's two groups: K = 1536 makes oneDNN use a scratchpad,
        // which is the caller's per thread (a primitive made on one thread must be able to run on another).
        let (inF, outF) = (1536, 384)
        var rng = SeededValues(seed: 11)
        let w = rng.matrix(outF, inF)
        let b = rng.matrix(1, outF).values
        let inputs = [rng.matrix(300, inF), rng.matrix(177, inF)]
        let expected = inputs.map { Naive.linear($0, weight: w, bias: b) }
        let packed = try w.values.withUnsafeBufferPointer {
            try PackedLinear(weight: $0.baseAddress!, outFeatures: outF, inFeatures: inF, slices: [0..<outF], lanes: 2)
        }
        let results = ResultBox(count: 2)
        for _ in 0..<3 {
            DispatchQueue.concurrentPerform(iterations: 2) { lane in
                var out = [Float](repeating: .nan, count: inputs[lane].rows * outF)
                let failed: Bool = inputs[lane].values.withUnsafeBufferPointer { xp in
                    b.withUnsafeBufferPointer { bp in
                        out.withUnsafeMutableBufferPointer { op in
                            (try? packed.apply(
                                slice: 0, lane: lane, xp.baseAddress!, rows: inputs[lane].rows, bias: bp.baseAddress,
                                into: op.baseAddress!)) == nil
                        }
                    }
                }
                results.store(lane, failed ? [] : out)
            }
            for lane in 0..<2 {
                let got = results.load(lane)
                #expect(got.count == expected[lane].values.count, "lane \(lane) failed")
                if got.count == expected[lane].values.count {
                    #expect(maxDiff(got, expected[lane].values) <= 1e-5 * Float(inF).squareRoot(), "lane \(lane)")
                }
            }
        }
    }

    @Test("by hand: [1 2]·[[1 0] [0 1] [1 1]]ᵀ + [0 0 1] = [1 2 4]")
    func byHand() throws {
        let x = Matrix(rows: 1, cols: 2, values: [1, 2])
        let w = Matrix(rows: 3, cols: 2, values: [1, 0, 0, 1, 1, 1])
        #expect(try packedLinear(x, weight: w, bias: [0, 0, 1]).values == [1, 2, 4])
    }

    @Test("oneDNN runs its own AVX-512 kernel on an AVX-512 CPU, not a reference loop")
    func kernelName() throws {
        var rng = SeededValues(seed: 3)
        let w = rng.matrix(384, 384)
        let packed = try w.values.withUnsafeBufferPointer {
            try PackedLinear(weight: $0.baseAddress!, outFeatures: 384, inFeatures: 384, slices: [0..<384])
        }
        let name = packed.kernelName(rows: 13)
        #expect(!name.isEmpty && !name.contains("ref"), "oneDNN chose \(name)")
        let flags = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        if flags.contains(" avx512f ") && flags.contains(" avx512bw ") { #expect(name.contains("avx512"), "\(name)") }
    }
}

/// Per-lane results written by concurrent workers and read after they finish.
private final class ResultBox: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [[Float]]
    init(count: Int) { values = Array(repeating: [], count: count) }
    func store(_ index: Int, _ value: [Float]) { lock.withLock { values[index] = value } }
    func load(_ index: Int) -> [Float] { lock.withLock { values[index] } }
}
