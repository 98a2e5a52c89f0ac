// Element-wise activations and the row softmax, vectorised with SIMD8 (GELU and softmax are the two
// transcendental-heavy steps: T·F erf and H·T² exp per layer). The naive references live in Naive.swift.
// SIMD8 fills one AVX2 register (the Makefile builds for the CPU, see SWIFT_CPU). Not SIMD16: Swift then
// called `vexp` out of line (perf, AVX2 target), and SIMD16 measured slower on the AVX-512 target too.
import CActivation

// MARK: - Vector exp and erf

/// e^x for 8 lanes: Cephes `expf` (range reduction by ln 2, degree-6 polynomial), about 1 ulp.
/// Inputs are clamped to [-87.3, 88.3] so that 2^n stays a normal number.
@inline(__always)
@usableFromInline
func vexp(_ input: SIMD8<Float>) -> SIMD8<Float> {
    // Clamp with compare-and-select: SIMD `clamped` / `pointwiseMin` lower to scalar loops.
    let low = SIMD8<Float>(repeating: -87.3)
    let high = SIMD8<Float>(repeating: 88.3)
    var x = input.replacing(with: low, where: input .< low)
    x = x.replacing(with: high, where: x .> high)
    // n = round(x / ln 2) with the 1.5·2²³ trick: adding it rounds to an integer in the low mantissa bits.
    let magic = SIMD8<Float>(repeating: 12_582_912)
    let shifted = x * 1.442_695_04 + magic
    let n = shifted - magic
    // x - n·ln 2 in two parts (Cody–Waite) so the reduction stays exact.
    x = x - n * 0.693_359_375
    x = x + n * 2.121_944_40e-4
    var p = SIMD8<Float>(repeating: 1.987_569_15e-4)
    p = p * x + 1.398_199_95e-3
    p = p * x + 8.333_451_9e-3
    p = p * x + 4.166_579_59e-2
    p = p * x + 1.666_666_55e-1
    p = p * x + 5.000_000_12e-1
    let y = p * x * x + x + 1
    // 2^n from the integer sitting in the low bits of `shifted` (0x4B400000 + n).
    let bits = unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- 0x4B40_0000 &+ 127
    let scale = unsafeBitCast(bits &<< 23, to: SIMD8<Float>.self)
    return y * scale
}

/// erf(x) for 8 lanes: Abramowitz & Stegun 7.1.26 (|error| ≤ 1.5e-7), the same formula PyTorch's
/// vectorised CPU kernels use for `torch.erf` and hence for `nn.GELU()`.
@inline(__always)
@usableFromInline
func verf(_ x: SIMD8<Float>) -> SIMD8<Float> {
    let one = SIMD8<Float>(repeating: 1)
    let ax = x.replacing(with: -x, where: x .< 0)
    let t = one / (ax * 0.327_591_1 + one)
    var r = t * 1.061_405_429 - 1.453_152_027
    r = r * t + 1.421_413_741
    r = r * t - 0.284_496_736
    r = r * t + 0.254_829_592
    let e = one - r * t * vexp(-(x * x))
    return e.replacing(with: -e, where: x .< 0)
}

// MARK: - GELU

/// GELU, erf form, in place: `x ← x · ½ · (1 + erf(x / √2))` (Hugging Face `gelu`, torch `nn.GELU()`).
///
/// x: `count` contiguous values, typically (T, F). Not the tanh approximation.
public func geluInPlace(_ x: UnsafeMutablePointer<Float>, count: Int, kernel: ActivationKernel = .best) {
    if kernel == .avx512 && ActivationKernel.cpuHasAVX512 {
        glossa_gelu_bias_avx512(x, 1, Int32(count), Int32(count), nil)
        return
    }
    if kernel == .avx2 && ActivationKernel.cpuHasAVX2 {
        glossa_gelu_bias_avx2(x, 1, Int32(count), Int32(count), nil)
        return
    }
    let raw = UnsafeMutableRawPointer(x)
    var i = 0
    while i + 8 <= count {
        let v = raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
        let g = v * 0.5 * (verf(v * 0.707_106_781_186_547_6) + 1)
        raw.storeBytes(of: g, toByteOffset: i * 4, as: SIMD8<Float>.self)
        i += 8
    }
    if i < count {
        // Tail: pad to one vector so the tail gets the same arithmetic as the body.
        var v = SIMD8<Float>(repeating: 0)
        for j in 0..<(count - i) { v[j] = x[i + j] }
        let g = v * 0.5 * (verf(v * 0.707_106_781_186_547_6) + 1)
        for j in 0..<(count - i) { x[i + j] = g[j] }
    }
}

// MARK: - Softmax

/// Row-wise softmax in place, subtracting the row maximum first: each of `rows` rows of `cols` values
/// (stride `stride` ≥ `cols`) becomes exp(x - max) / Σ exp(x - max).
///
/// x: (rows, cols) with row stride `stride`; for attention scores rows = cols = T of one text.
public func softmaxRowsInPlace(_ x: UnsafeMutablePointer<Float>, rows: Int, cols: Int, stride: Int? = nil) {
    let ld = stride ?? cols
    for r in 0..<rows {
        let row = x + r * ld
        let raw = UnsafeMutableRawPointer(row)
        var maxima = SIMD8<Float>(repeating: -Float.infinity)
        var m = 0
        while m + 8 <= cols {
            let v = raw.loadUnaligned(fromByteOffset: m * 4, as: SIMD8<Float>.self)
            maxima = maxima.replacing(with: v, where: v .> maxima)
            m += 8
        }
        var maximum = maxima.max()
        while m < cols {
            maximum = max(maximum, row[m])
            m += 1
        }
        var sums = SIMD8<Float>(repeating: 0)
        var c = 0
        while c + 8 <= cols {
            let e = vexp(raw.loadUnaligned(fromByteOffset: c * 4, as: SIMD8<Float>.self) - maximum)
            raw.storeBytes(of: e, toByteOffset: c * 4, as: SIMD8<Float>.self)
            sums += e
            c += 8
        }
        var sum = sums.sum()
        if c < cols {
            var v = SIMD8<Float>(repeating: -Float.infinity)
            for j in 0..<(cols - c) { v[j] = row[c + j] - maximum }
            let e = vexp(v)
            for j in 0..<(cols - c) {
                row[c + j] = e[j]
                sum += e[j]
            }
        }
        let inverse = 1 / sum
        for j in 0..<cols { row[j] *= inverse }
    }
}
