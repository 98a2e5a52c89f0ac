// Scaled dot-product attention for one head, the encoder's only product that is not a Linear layer:
// CActivation's one-pass AVX-512 kernel (the default where the CPU and the head size allow), or OpenBLAS for
// q·kᵀ and ·v with the SIMD8 softmax between them. Both are held to Naive.attention (KernelsTests).
import CActivation
import Foundation

/// Which route attention takes.
public enum AttentionKernel: String, Sendable, CaseIterable {
    /// Scores, softmax and context in one pass per head (attention.c): AVX-512, head sizes 16-64.
    case fused
    /// Two OpenBLAS products and the SIMD8 softmax over the scores in memory: any CPU, any head size.
    case blas

    /// Whether this CPU can run the fused kernel (AVX512-F, as the GELU kernel).
    public static var cpuHasAVX512: Bool { ActivationKernel.cpuHasAVX512 }

    /// Whether this kernel runs here for heads of `headSize`.
    public func supports(headSize: Int) -> Bool {
        switch self {
        case .fused: Self.cpuHasAVX512 && glossa_attention_supports(Int32(headSize)) != 0
        case .blas: true
        }
    }

    /// The fused kernel where the CPU and head size allow it, unless `GLOSSA_ATTENTION_KERNEL=blas` (read once)
    /// asks for the OpenBLAS route. Alone the fused kernel runs one head 1.1-2x faster (`GlossaBench
    /// attention`, Intel Xeon, 2026-12-07: 13 tokens 0.9 against 1.9 µs, 128 tokens 50 against 69 µs). In the
    /// whole int8 encoder on a noisy shared host, seven alternations of `GlossaBench encode --runs 2` had it
    /// ahead on single-query latency in 6, on passages in 5 and on queries in 4.
    public static let best: AttentionKernel = {
        let forced = ProcessInfo.processInfo.environment["GLOSSA_ATTENTION_KERNEL"].flatMap(Self.init)
        return forced ?? .fused
    }()
}

/// Floats of scratch `attentionHead` needs for texts of up to `maxLength` tokens and heads of `headSize`,
/// whichever kernel runs: the (n, n) scores of the OpenBLAS route, or the fused kernel's kᵀ and score rows.
public func attentionScratchCount(maxLength: Int, headSize: Int) -> Int {
    let fused =
        glossa_attention_supports(Int32(headSize)) != 0
        ? glossa_attention_scratch_floats(Int32(maxLength), Int32(headSize)) : 0
    return max(maxLength * maxLength, fused)
}

/// out (n, d) = softmax(q kᵀ · scale) v for one head of one text: q, k, v (n, d) with row stride `stride` (the
/// fused QKV product's 3C), out with row stride `outStride`; scale is 1/√d. `scratch` holds at least
/// `attentionScratchCount(maxLength: n, headSize: d)` floats. A kernel that cannot run here (CPU, head size)
/// falls back to `.blas`.
public func attentionHead(
    q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>, stride: Int, length n: Int,
    headSize d: Int, into out: UnsafeMutablePointer<Float>, outStride: Int, scratch: UnsafeMutablePointer<Float>,
    kernel: AttentionKernel = .best
) {
    guard n > 0 else { return }
    let scale = 1 / Float(d).squareRoot()
    if kernel == .fused && kernel.supports(headSize: d) {
        glossa_attention_avx512(
            q, k, v, Int32(stride), Int32(n), Int32(d), scale, out, Int32(outStride), scratch)
        return
    }
    // scores (n, n) = q (n, D) · kᵀ (D, n) · 1/√D
    sgemm(
        transposeA: false, transposeB: true, m: n, n: n, k: d, alpha: scale,
        a: q, lda: stride, b: k, ldb: stride, c: scratch, ldc: n)
    softmaxRowsInPlace(scratch, rows: n, cols: n)
    // context (n, D) = scores (n, n) · v (n, D)
    sgemm(
        transposeA: false, transposeB: false, m: n, n: d, k: n,
        a: scratch, lda: n, b: v, ldb: stride, c: out, ldc: outStride)
}
