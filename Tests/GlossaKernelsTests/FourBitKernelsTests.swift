// The 4-bit fp32 kernels (CFourBit through FourBitLinear.swift) against their twins: the expansion gives back
// every weight bit for bit (an identity input reads the weights out), the product against the naive Double loop,
// the AVX-512 kernel against the portable one bit for bit, column shares written and nothing else, and weights
// that are not exactly 4-bit refused.
import Foundation
import Testing

@testable import GlossaKernels

func fourBit(_ w: Matrix) -> FourBitMatrix? {
    w.values.withUnsafeBufferPointer { FourBitMatrix(weight: $0.baseAddress!, rows: w.rows, columns: w.cols) }
}

@Suite struct FourBitKernelsTests {
    /// (tokens, inputs, outputs): one to 16 rows (one chunk), 17 and 37 (chunks of 9/8 and 13/12/12), outputs
    /// that end inside a tile, and mE5-small's shapes.
    static let shapes = [
        (1, 32, 16), (5, 64, 20), (13, 384, 1152), (16, 384, 384), (17, 1536, 384), (37, 96, 33), (3, 384, 1536),
    ]

    @Test("an identity input reads back every weight bit for bit, with either kernel")
    func expansionIsExact() throws {
        let (n, k) = (40, 96)
        let w = fourBitMatrix(n, k, seed: 3)
        let packed = try #require(fourBit(w))
        var identity = Matrix(rows: k, cols: k)
        for i in 0..<k { identity[i, i] = 1 }
        for kernel in FourBitKernel.allCases where kernel.isSupported {
            let out = fourBitLinear(identity, weight: packed, bias: nil, kernel: kernel)
            // out[i, j] = w[j, i]: each sum is one weight times 1 plus zeros, so exact.
            #expect(out == w.transposed(), "\(kernel)")
        }
    }

    @Test("the 4-bit product equals the naive loop over the fp32 weights", arguments: shapes)
    func matchesNaive(shape: (Int, Int, Int)) throws {
        let (t, k, n) = shape
        var rng = SeededValues(seed: UInt64(t * 1000 + k + n))
        let x = rng.matrix(t, k, scale: 2)
        let w = fourBitMatrix(n, k, seed: UInt64(n + k))
        let bias = rng.matrix(1, n).values
        let packed = try #require(fourBit(w))
        let expected = Naive.linear(x, weight: w, bias: bias)
        let tolerance = 1e-5 * Float(k).squareRoot() * max(1, expected.values.map(abs).max() ?? 1)
        for kernel in FourBitKernel.allCases where kernel.isSupported {
            #expect(
                maxDiff(fourBitLinear(x, weight: packed, bias: bias, kernel: kernel).values, expected.values)
                    <= tolerance, "\(kernel) \(shape)")
            let noBias = Naive.linear(x, weight: w, bias: nil)
            #expect(
                maxDiff(fourBitLinear(x, weight: packed, bias: nil, kernel: kernel).values, noBias.values)
                    <= tolerance, "\(kernel) \(shape) no bias")
        }
    }

    @Test(
        "the AVX-512 kernel equals the portable one bit for bit", .enabled(if: FourBitKernel.avx512.isSupported),
        arguments: shapes)
    func avx512EqualsPortable(shape: (Int, Int, Int)) throws {
        let (t, k, n) = shape
        var rng = SeededValues(seed: UInt64(t + k * 7 + n * 13))
        let x = rng.matrix(t, k, scale: 5)
        let packed = try #require(fourBit(fourBitMatrix(n, k, seed: UInt64(k))))
        let bias = rng.matrix(1, n).values
        #expect(
            fourBitLinear(x, weight: packed, bias: bias, kernel: .avx512)
                == fourBitLinear(x, weight: packed, bias: bias, kernel: .portable))
        #expect(
            fourBitLinear(x, weight: packed, bias: nil, kernel: .avx512)
                == fourBitLinear(x, weight: packed, bias: nil, kernel: .portable))
    }

    @Test("a column share writes its columns and no others")
    func columnShare() throws {
        let (t, k, n) = (13, 64, 50)
        var rng = SeededValues(seed: 9)
        let x = rng.matrix(t, k)
        let w = fourBitMatrix(n, k, seed: 5)
        let packed = try #require(fourBit(w))
        let expected = Naive.linear(x, weight: w, bias: nil)
        for kernel in FourBitKernel.allCases where kernel.isSupported {
            for share in [0..<16, 16..<48, 32..<50] {
                var out = [Float](repeating: 42, count: t * n)
                x.values.withUnsafeBufferPointer { xp in
                    fourBitLinearColumns(
                        xp.baseAddress!, rows: t, weight: packed, bias: nil, columns: share, into: &out, kernel: kernel)
                }
                for r in 0..<t {
                    for c in 0..<n {
                        if share.contains(c) {
                            #expect(abs(out[r * n + c] - expected[r, c]) <= 1e-4, "\(kernel) \(share) (\(r), \(c))")
                        } else {
                            #expect(out[r * n + c] == 42, "\(kernel) \(share) wrote column \(c)")
                        }
                    }
                }
            }
        }
    }

    @Test("weights that are not exactly 4-bit are refused")
    func refusesOtherWeights() {
        var w = fourBitMatrix(16, 64, seed: 1)
        #expect(fourBit(w) != nil)
        // One value off its block's grid.
        w[3, 40] += 1e-4
        #expect(fourBit(w) == nil)
        // A NaN, plain random weights, and inputs that are not whole blocks.
        var nan = fourBitMatrix(16, 64, seed: 2)
        nan[0, 0] = .nan
        #expect(fourBit(nan) == nil)
        var rng = SeededValues(seed: 4)
        #expect(fourBit(rng.matrix(16, 64)) == nil)
        #expect(fourBit(fourBitMatrix(16, 48, seed: 6)) == nil)
        // An all-zero block is exact (scale 0).
        #expect(fourBit(Matrix(rows: 16, cols: 32)) != nil)
    }
}
