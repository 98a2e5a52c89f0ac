// Every fast kernel against its naive reference (random shapes, including ragged tails) and against
// tiny cases computed by hand.
import Foundation
import GlossaTestSupport
import Testing

@testable import GlossaKernels

/// Deterministic pseudo-random floats (SplitMix64), so failures reproduce.
struct SeededValues {
    private var bits: SplitMix64
    init(seed: UInt64) { bits = SplitMix64(seed: seed) }
    mutating func next() -> Float {
        Float(Double(bits.next() >> 40) / Double(1 << 24)) * 2 - 1
    }
    mutating func matrix(_ rows: Int, _ cols: Int, scale: Float = 1) -> Matrix {
        Matrix(rows: rows, cols: cols, values: (0..<(rows * cols)).map { _ in next() * scale })
    }
}

func maxDiff(_ a: [Float], _ b: [Float]) -> Float {
    precondition(a.count == b.count)
    return zip(a, b).map { abs($0 - $1) }.max() ?? 0
}

@Suite struct KernelsTests {
    @Test("linear equals the naive loop", arguments: [(1, 1, 1), (3, 5, 7), (17, 384, 33), (64, 96, 1536)])
    func linearMatchesNaive(shape: (Int, Int, Int)) {
        let (t, inF, outF) = shape
        var rng = SeededValues(seed: UInt64(t * 1000 + inF))
        let x = rng.matrix(t, inF)
        let w = rng.matrix(outF, inF)
        let b = rng.matrix(1, outF).values
        let fast = linear(x, weight: w, bias: b)
        let slow = Naive.linear(x, weight: w, bias: b)
        let noBias = linear(x, weight: w, bias: nil)
        let slowNoBias = Naive.linear(x, weight: w, bias: nil)
        #expect(maxDiff(fast.values, slow.values) <= 1e-5 * Float(inF).squareRoot())
        #expect(maxDiff(noBias.values, slowNoBias.values) <= 1e-5 * Float(inF).squareRoot())
    }

    @Test("linear by hand: [1 2]·[[1 0] [0 1] [1 1]]ᵀ + [0 0 1] = [1 2 4]")
    func linearByHand() {
        let x = Matrix(rows: 1, cols: 2, values: [1, 2])
        let w = Matrix(rows: 3, cols: 2, values: [1, 0, 0, 1, 1, 1])
        #expect(linear(x, weight: w, bias: [0, 0, 1]).values == [1, 2, 4])
    }

    @Test("sgemm with row strides addresses a column block")
    func sgemmStrided() {
        // a: (2, 2) block at columns 1..2 of a (2, 4) buffer; b: identity; c gets the block.
        let buffer: [Float] = [9, 1, 2, 9, 9, 3, 4, 9]
        let identity: [Float] = [1, 0, 0, 1]
        var c = [Float](repeating: -1, count: 4)
        buffer.withUnsafeBufferPointer { a in
            identity.withUnsafeBufferPointer { b in
                c.withUnsafeMutableBufferPointer { cp in
                    sgemm(
                        transposeA: false, transposeB: false, m: 2, n: 2, k: 2,
                        a: a.baseAddress! + 1, lda: 4, b: b.baseAddress!, ldb: 2, c: cp.baseAddress!, ldc: 2)
                }
            }
        }
        #expect(c == [1, 2, 3, 4])
    }

    @Test("layerNorm equals the naive loop", arguments: [1, 7, 8, 384, 385])
    func layerNormMatchesNaive(cols: Int) {
        var rng = SeededValues(seed: UInt64(cols))
        var x = rng.matrix(5, cols, scale: 3)
        for i in 0..<cols { x.values[i] += 100 }  // a row with a large mean tests the two-pass variance
        let gamma = rng.matrix(1, cols).values
        let beta = rng.matrix(1, cols).values
        let expected = Naive.layerNorm(x, gamma: gamma, beta: beta, eps: 1e-12)
        var fast = x
        fast.values.withUnsafeMutableBufferPointer { p in
            layerNormInPlace(p.baseAddress!, rows: 5, cols: cols, gamma: gamma, beta: beta, eps: 1e-12)
        }
        #expect(maxDiff(fast.values, expected.values) <= 2e-5)
    }

    @Test("layerNorm by hand: [1 3] → [-1 1]; [2 2] → beta")
    func layerNormByHand() {
        var x: [Float] = [1, 3, 2, 2]
        x.withUnsafeMutableBufferPointer { p in
            layerNormInPlace(p.baseAddress!, rows: 2, cols: 2, gamma: [1, 1], beta: [0.5, 0.5], eps: 0)
        }
        #expect(x[0] == -0.5 && x[1] == 1.5)
        // Zero variance with eps = 0 divides 0 by 0; with the model's eps it is beta exactly.
        var y: [Float] = [2, 2]
        y.withUnsafeMutableBufferPointer { p in
            layerNormInPlace(p.baseAddress!, rows: 1, cols: 2, gamma: [1, 1], beta: [0.5, -0.5], eps: 1e-12)
        }
        #expect(y == [0.5, -0.5])
    }

    @Test("GELU (erf) equals the exact erf within 2e-7 · |x| over [-10, 10] and at the extremes")
    func geluMatchesNaive() {
        var xs: [Float] = stride(from: -10, through: 10, by: 0.001).map { Float($0) }
        xs += [0, -0, 1e-30, -1e-30, 50, -50, 1e30, -1e30, 88, -88, 100, -100]
        let expected = Naive.gelu(xs)
        for kernel in ActivationKernel.allCases where kernel.isSupported {
            var fast = xs
            fast.withUnsafeMutableBufferPointer { p in geluInPlace(p.baseAddress!, count: p.count, kernel: kernel) }
            var worst = 0
            for i in xs.indices where abs(fast[i] - expected[i]) > 2e-7 * max(1, abs(xs[i])) { worst += 1 }
            #expect(worst == 0, "\(kernel): \(worst) values off")
            #expect(fast.allSatisfy { $0.isFinite }, "\(kernel)")
        }
    }

    @Test(
        "the AVX2 GELU gives the AVX-512 one's values bit for bit",
        .enabled(if: ActivationKernel.cpuHasAVX512 && ActivationKernel.cpuHasAVX2))
    func geluAVX2EqualsAVX512() {
        var xs: [Float] = stride(from: -12, through: 12, by: 0.0007).map { Float($0) }
        xs += [0, -0, 1e-30, -1e-30, 50, -50, 1e30, -1e30, 88, -88, 100, -100, 3, 5]
        var wide = xs
        var narrow = xs
        wide.withUnsafeMutableBufferPointer { geluInPlace($0.baseAddress!, count: $0.count, kernel: .avx512) }
        narrow.withUnsafeMutableBufferPointer { geluInPlace($0.baseAddress!, count: $0.count, kernel: .avx2) }
        #expect(wide == narrow)
    }

    @Test("GELU by hand: gelu(0) = 0, gelu(1) = 0.8413447, gelu(-1) = -0.1586553")
    func geluByHand() {
        for kernel in ActivationKernel.allCases where kernel.isSupported {
            var x: [Float] = [0, 1, -1]
            x.withUnsafeMutableBufferPointer { p in geluInPlace(p.baseAddress!, count: 3, kernel: kernel) }
            #expect(x[0] == 0, "\(kernel)")
            #expect(abs(x[1] - 0.841_344_7) < 3e-7, "\(kernel)")
            #expect(abs(x[2] + 0.158_655_3) < 3e-7, "\(kernel)")
        }
    }

    @Test("softmax equals the naive loop", arguments: [1, 3, 8, 13, 128, 512])
    func softmaxMatchesNaive(cols: Int) {
        var rng = SeededValues(seed: UInt64(cols) + 77)
        let x = rng.matrix(4, cols, scale: 20)
        let expected = Naive.softmaxRows(x)
        var fast = x
        fast.values.withUnsafeMutableBufferPointer { p in softmaxRowsInPlace(p.baseAddress!, rows: 4, cols: cols) }
        #expect(maxDiff(fast.values, expected.values) <= 1e-6)
        for r in 0..<4 { #expect(abs(fast.row(r).reduce(0, +) - 1) < 1e-5) }
    }

    @Test("softmax by hand: [0 ln3] → [0.25 0.75]; equal inputs → uniform")
    func softmaxByHand() {
        var x: [Float] = [0, Float(log(3.0)), 5, 5]
        x.withUnsafeMutableBufferPointer { p in softmaxRowsInPlace(p.baseAddress!, rows: 2, cols: 2) }
        #expect(abs(x[0] - 0.25) < 1e-7 && abs(x[1] - 0.75) < 1e-7)
        #expect(x[2] == 0.5 && x[3] == 0.5)
    }

    @Test("mean pooling and L2 normalisation equal the naive loops, and by hand")
    func poolingAndNormalisation() {
        var rng = SeededValues(seed: 5)
        let x = rng.matrix(9, 37)
        var pooled = [Float](repeating: 0, count: 37)
        x.values.withUnsafeBufferPointer { p in
            pooled.withUnsafeMutableBufferPointer { o in
                meanPool(p.baseAddress!, rows: 9, cols: 37, into: o.baseAddress!)
            }
        }
        #expect(maxDiff(pooled, Naive.meanPool(x)) <= 1e-7)
        #expect(maxDiff(l2Normalized(pooled), Naive.l2Normalize(pooled)) <= 1e-7)
        #expect(l2Normalized([3, 4]) == [0.6, 0.8])
        #expect(l2Normalized([0, 0]) == [0, 0])
        var byHand: [Float] = [1, 2, 3, 4]
        var out: [Float] = [0, 0]
        byHand.withUnsafeMutableBufferPointer { p in
            out.withUnsafeMutableBufferPointer { o in meanPool(p.baseAddress!, rows: 2, cols: 2, into: o.baseAddress!) }
        }
        #expect(out == [2, 3])
    }

    @Test("residual add equals element-wise addition", arguments: [1, 8, 19])
    func residualAdd(count: Int) {
        var rng = SeededValues(seed: UInt64(count))
        let a = rng.matrix(1, count).values
        let b = rng.matrix(1, count).values
        var sum = a
        sum.withUnsafeMutableBufferPointer { p in addInPlace(p.baseAddress!, b, count: count) }
        #expect(sum == zip(a, b).map { $0 + $1 })
    }

    @Test(
        "attention for one head equals the naive attention, each kernel",
        arguments: AttentionKernel.allCases,
        [(1, 32), (5, 32), (11, 32), (16, 32), (17, 32), (40, 16), (130, 64), (512, 32)])
    func attentionMatchesNaive(kernel: AttentionKernel, shape: (Int, Int)) {
        let (n, d) = shape
        guard kernel.supports(headSize: d) else { return }
        var rng = SeededValues(seed: UInt64(n * 100 + d))
        // Scores up to about ±9: softmax rows from nearly uniform to nearly one-hot.
        let q = rng.matrix(n, d, scale: 3)
        let k = rng.matrix(n, d)
        let v = rng.matrix(n, d)
        let expected = Naive.attention(q: q, k: k, v: v)
        // q | k | v side by side with a gap, as in the fused QKV product; out wider than d, its padding marked.
        let stride = 3 * d + 5
        var qkv = [Float](repeating: .nan, count: n * stride)
        for r in 0..<n {
            for c in 0..<d {
                qkv[r * stride + c] = q[r, c]
                qkv[r * stride + d + c] = k[r, c]
                qkv[r * stride + 2 * d + c] = v[r, c]
            }
        }
        let outStride = d + 3
        var out = [Float](repeating: -7, count: n * outStride)
        var scratch = [Float](repeating: .nan, count: attentionScratchCount(maxLength: n, headSize: d))
        qkv.withUnsafeBufferPointer { x in
            out.withUnsafeMutableBufferPointer { o in
                scratch.withUnsafeMutableBufferPointer { s in
                    let base = x.baseAddress!
                    attentionHead(
                        q: base, k: base + d, v: base + 2 * d, stride: stride, length: n, headSize: d,
                        into: o.baseAddress!, outStride: outStride, scratch: s.baseAddress!, kernel: kernel)
                }
            }
        }
        let context = (0..<n).flatMap { r in out[(r * outStride)..<(r * outStride + d)] }
        #expect(maxDiff(context, expected.values) <= 1e-6, "\(kernel) n \(n) d \(d)")
        #expect((0..<n).allSatisfy { r in out[(r * outStride + d)..<((r + 1) * outStride)].allSatisfy { $0 == -7 } })
    }

    @Test("attention by hand: two keys, the query aligned with the first", arguments: AttentionKernel.allCases)
    func attentionByHand(kernel: AttentionKernel) {
        guard kernel.supports(headSize: 16) else { return }
        // q = k0 = (4, 0, …), k1 = 0: scores 16/4 = 4 and 0, weights e⁴/(e⁴+1) and 1/(e⁴+1).
        var q = [Float](repeating: 0, count: 16)
        q[0] = 4
        let k = q + [Float](repeating: 0, count: 16)
        let v = [Float](repeating: 1, count: 16) + [Float](repeating: -1, count: 16)
        var out = [Float](repeating: 0, count: 16)
        var scratch = [Float](repeating: 0, count: attentionScratchCount(maxLength: 2, headSize: 16))
        let queries = q + q
        attentionHead(
            q: queries, k: k, v: v, stride: 16, length: 1, headSize: 16, into: &out, outStride: 16,
            scratch: &scratch, kernel: kernel)
        // One query over one key: the context is that key's value.
        #expect(out == [Float](repeating: 1, count: 16))
        var two = [Float](repeating: 0, count: 32)
        attentionHead(
            q: queries, k: k, v: v, stride: 16, length: 2, headSize: 16, into: &two, outStride: 16,
            scratch: &scratch, kernel: kernel)
        let w = Float(exp(4.0) / (exp(4.0) + 1))
        #expect(abs(two[0] - (w - (1 - w))) <= 1e-6)
        // The second query (also q) attends the same way.
        #expect(abs(two[16] - two[0]) <= 1e-7)
    }

    @Test("Matrix transpose and subscripts")
    func matrixBasics() {
        let m = Matrix(rows: 2, cols: 3, values: [1, 2, 3, 4, 5, 6])
        #expect(m.transposed().values == [1, 4, 2, 5, 3, 6])
        #expect(m[1, 2] == 6)
        #expect(m.row(1) == [4, 5, 6])
    }
}

@Suite struct FusedKernelsTests {
    @Test("GELU with bias equals bias then GELU", arguments: [1, 8, 13, 1536])
    func geluBias(cols: Int) {
        var rng = SeededValues(seed: UInt64(cols) + 3)
        let x = rng.matrix(3, cols, scale: 4)
        let bias = rng.matrix(1, cols).values
        var expected = x
        for r in 0..<3 { for c in 0..<cols { expected[r, c] += bias[c] } }
        expected.values = Naive.gelu(expected.values)
        for kernel in ActivationKernel.allCases where kernel.isSupported {
            // A wider row stride: the encoder applies it to its feature share of a (T, F) matrix.
            var fast = Matrix(rows: 3, cols: cols + 5)
            for r in 0..<3 { for c in 0..<cols { fast[r, c] = x[r, c] } }
            fast.values.withUnsafeMutableBufferPointer { p in
                geluBiasInPlace(p.baseAddress!, rows: 3, cols: cols, stride: cols + 5, bias: bias, kernel: kernel)
            }
            for r in 0..<3 {
                #expect(maxDiff(Array(fast.row(r)[0..<cols]), expected.row(r)) <= 1e-6, "\(kernel)")
                #expect(fast.row(r)[cols...].allSatisfy { $0 == 0 }, "\(kernel): past cols untouched")
            }
        }
    }

    @Test("bias + residual + LayerNorm equals the naive composition", arguments: [5, 384])
    func residualLayerNorm(cols: Int) {
        var rng = SeededValues(seed: UInt64(cols) + 11)
        let x = rng.matrix(4, cols)
        let residual = rng.matrix(4, cols)
        let bias = rng.matrix(1, cols).values
        let gamma = rng.matrix(1, cols).values
        let beta = rng.matrix(1, cols).values
        var summed = x
        for r in 0..<4 { for c in 0..<cols { summed[r, c] = (x[r, c] + bias[c]) + residual[r, c] } }
        let expected = Naive.layerNorm(summed, gamma: gamma, beta: beta, eps: 1e-12)
        var fast = x
        fast.values.withUnsafeMutableBufferPointer { p in
            addBiasResidualLayerNormInPlace(
                p.baseAddress!, rows: 4, cols: cols, bias: bias, residual: residual.values,
                gamma: gamma, beta: beta, eps: 1e-12)
        }
        #expect(maxDiff(fast.values, expected.values) <= 2e-5)
    }

    @Test(
        "a column block of linear equals the naive loop there and leaves the other columns alone",
        arguments: [(1, 384), (8, 384), (20, 384), (40, 384), (8, 1536), (20, 1536)])
    func linearColumnBlock(shape: (Int, Int)) {
        let (t, inF) = shape
        let outF = 200
        let columns = 40..<184  // not a multiple of the chunk width, so the last chunk is ragged
        var rng = SeededValues(seed: UInt64(t * 7 + inF))
        let x = rng.matrix(t, inF)
        let w = rng.matrix(outF, inF)
        let b = rng.matrix(1, outF).values
        let expected = Naive.linear(x, weight: w, bias: b)
        for bias in [b, nil] {
            var out = [Float](repeating: 42, count: t * outF)
            x.values.withUnsafeBufferPointer { xp in
                w.values.withUnsafeBufferPointer { wp in
                    out.withUnsafeMutableBufferPointer { op in
                        if let bias {
                            bias.withUnsafeBufferPointer { bp in
                                linearColumns(
                                    xp.baseAddress!, rows: t, inFeatures: inF, weight: wp.baseAddress!,
                                    bias: bp.baseAddress, outFeatures: outF, columns: columns, into: op.baseAddress!)
                            }
                        } else {
                            linearColumns(
                                xp.baseAddress!, rows: t, inFeatures: inF, weight: wp.baseAddress!,
                                outFeatures: outF, columns: columns, into: op.baseAddress!)
                        }
                    }
                }
            }
            for r in 0..<t {
                for c in 0..<outF {
                    let got = out[r * outF + c]
                    if columns.contains(c) {
                        let want = expected[r, c] - (bias == nil ? b[c] : 0)
                        #expect(abs(got - want) <= 1e-5 * Float(inF).squareRoot(), "row \(r) column \(c)")
                    } else {
                        #expect(got == 42, "row \(r) column \(c) outside the block was written")
                    }
                }
            }
        }
    }

    @Test("column chunks: narrow for few rows, none for many")
    func columnChunkRule() {
        #expect(linearColumnChunk(rows: 1, inFeatures: 384) == 128)
        #expect(linearColumnChunk(rows: 20, inFeatures: 384) == 32)
        #expect(linearColumnChunk(rows: 16, inFeatures: 1536) == 16)
        #expect(linearColumnChunk(rows: 32, inFeatures: 1536) == 16)
        #expect(linearColumnChunk(rows: 33, inFeatures: 384) == nil)
        #expect(linearColumnChunk(rows: 2048, inFeatures: 384) == nil)
    }
}
