// Fused epilogues for the Linear layers: the sgemm writes x·Wᵀ without bias, and the bias is added in the
// pass that reads the product anyway (GELU, residual + LayerNorm; the fused QKV product, which has no such
// pass, takes its bias in the sgemm itself, see `linearColumns`). This saves a full write-and-reread of
// every (T, ·) activation per layer. Same arithmetic order as PyTorch: (x·Wᵀ + b) first, then the residual.
import CActivation
import Foundation

/// Which GELU runs: CActivation's AVX-512 kernel (16 lanes, fused multiply-adds), its AVX2 twin (8 lanes, the
/// same values bit for bit) or the portable SIMD8 Swift loop. All are held to the exact erf within
/// 2e-7 · max(1, |x|) (KernelsTests); the portable loop differs from the C kernels in rounding.
public enum ActivationKernel: String, Sendable, CaseIterable {
    case avx512
    case avx2
    case portable

    /// Whether this CPU can run the AVX-512 kernel.
    public static let cpuHasAVX512 = glossa_act_cpu_has_avx512() != 0
    /// Whether this CPU can run the AVX2 kernel (AVX2 and FMA).
    public static let cpuHasAVX2 = glossa_act_cpu_has_avx2() != 0

    /// Whether this CPU runs this kernel.
    public var isSupported: Bool {
        switch self {
        case .avx512: Self.cpuHasAVX512
        case .avx2: Self.cpuHasAVX2
        case .portable: true
        }
    }

    /// The fastest kernel the CPU runs, unless `GLOSSA_ACTIVATION_KERNEL` (read once) names a slower one it runs
    /// (`avx2`, `portable`: how the fallbacks are exercised on a faster machine).
    public static let best: ActivationKernel = {
        let fastest = allCases.first { $0.isSupported } ?? .portable
        guard let forced = ProcessInfo.processInfo.environment["GLOSSA_ACTIVATION_KERNEL"].flatMap(Self.init),
            forced.isSupported
        else { return fastest }
        return forced
    }()
}

/// GELU (erf) of x + bias, in place: x[t, f] ← gelu(x[t, f] + bias[f]) (the FFN's first Linear + activation).
///
/// x: (T, F) row-major with row stride `stride` (default `cols`; wider when x is a column block of a
/// larger matrix); bias: (F). `kernel`: AVX-512 or AVX2 with FMA where the CPU has it, else the SIMD8 loop below.
public func geluBiasInPlace(
    _ x: UnsafeMutablePointer<Float>, rows: Int, cols: Int, stride: Int? = nil, bias: UnsafePointer<Float>,
    kernel: ActivationKernel = .best
) {
    let ld = stride ?? cols
    if kernel == .avx512 && ActivationKernel.cpuHasAVX512 {
        glossa_gelu_bias_avx512(x, Int32(rows), Int32(cols), Int32(ld), bias)
        return
    }
    if kernel == .avx2 && ActivationKernel.cpuHasAVX2 {
        glossa_gelu_bias_avx2(x, Int32(rows), Int32(cols), Int32(ld), bias)
        return
    }
    let raw = UnsafeMutableRawPointer(x)
    let rawBias = UnsafeRawPointer(bias)
    for r in 0..<rows {
        let base = r * ld * 4
        var c = 0
        while c + 8 <= cols {
            let v =
                raw.loadUnaligned(fromByteOffset: base + c * 4, as: SIMD8<Float>.self)
                + rawBias.loadUnaligned(fromByteOffset: c * 4, as: SIMD8<Float>.self)
            let g = v * 0.5 * (verf(v * 0.707_106_781_186_547_6) + 1)
            raw.storeBytes(of: g, toByteOffset: base + c * 4, as: SIMD8<Float>.self)
            c += 8
        }
        let row = x + r * ld
        while c < cols {
            row[c] += bias[c]
            geluInPlace(row + c, count: 1, kernel: .portable)
            c += 1
        }
    }
}

/// x ← LayerNorm((x + bias) + residual), row by row while the row is in cache (the output sub-layers:
/// dense → dropout (identity) → LayerNorm(hidden + input), HF BertSelfOutput / BertOutput).
///
/// x, residual: (T, C) row-major; bias, gamma, beta: (C). `x` must not alias `residual`.
public func addBiasResidualLayerNormInPlace(
    _ x: UnsafeMutablePointer<Float>, rows: Int, cols: Int, bias: UnsafePointer<Float>,
    residual: UnsafePointer<Float>, gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>, eps: Float
) {
    for r in 0..<rows {
        let row = x + r * cols
        let res = residual + r * cols
        for c in 0..<cols { row[c] = (row[c] + bias[c]) + res[c] }
        layerNormInPlace(row, rows: 1, cols: cols, gamma: gamma, beta: beta, eps: eps)
    }
}
