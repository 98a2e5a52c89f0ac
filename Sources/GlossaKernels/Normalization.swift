// Row normalisations and reductions: LayerNorm, residual add, mean pooling and L2 normalisation.
// Sums run over SIMD8 lanes in Float (as PyTorch's CPU kernels do), with a two-pass variance.

@inline(__always)
private func sum8(_ p: UnsafePointer<Float>, _ n: Int) -> Float {
    let raw = UnsafeRawPointer(p)
    var acc = SIMD8<Float>(repeating: 0)
    var i = 0
    while i + 8 <= n {
        acc += raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
        i += 8
    }
    var s = acc.sum()
    while i < n {
        s += p[i]
        i += 1
    }
    return s
}

/// LayerNorm over the last dimension, in place: `x ← (x - mean) / √(var + eps) · gamma + beta`,
/// with the biased variance (torch.nn.LayerNorm).
///
/// x: (T, C) row-major; gamma, beta: (C).
public func layerNormInPlace(
    _ x: UnsafeMutablePointer<Float>, rows: Int, cols: Int,
    gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>, eps: Float
) {
    let raw = UnsafeMutableRawPointer(x)
    for t in 0..<rows {
        let row = x + t * cols
        let mean = sum8(row, cols) / Float(cols)
        // Second pass over the centred values: exact enough where E[x²] - mean² would cancel.
        var acc = SIMD8<Float>(repeating: 0)
        var c = 0
        let base = t * cols * 4
        while c + 8 <= cols {
            let d = raw.loadUnaligned(fromByteOffset: base + c * 4, as: SIMD8<Float>.self) - mean
            acc += d * d
            c += 8
        }
        var variance = acc.sum()
        while c < cols {
            let d = row[c] - mean
            variance += d * d
            c += 1
        }
        variance /= Float(cols)
        let rstd = 1 / (variance + eps).squareRoot()
        for j in 0..<cols {
            row[j] = (row[j] - mean) * rstd * gamma[j] + beta[j]
        }
    }
}

/// Element-wise `x ← x + y` (the residual connections). x, y: `count` contiguous values.
public func addInPlace(_ x: UnsafeMutablePointer<Float>, _ y: UnsafePointer<Float>, count: Int) {
    let rx = UnsafeMutableRawPointer(x)
    let ry = UnsafeRawPointer(y)
    var i = 0
    while i + 8 <= count {
        let s =
            rx.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            + ry.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
        rx.storeBytes(of: s, toByteOffset: i * 4, as: SIMD8<Float>.self)
        i += 8
    }
    while i < count {
        x[i] += y[i]
        i += 1
    }
}

/// Mean over rows: out[c] = Σₜ x[t, c] / T (mean pooling over the real tokens of one text).
///
/// x: (T, C) row-major with T ≥ 1; out: (C). Sums in Double so that long texts lose no precision.
public func meanPool(_ x: UnsafePointer<Float>, rows: Int, cols: Int, into out: UnsafeMutablePointer<Float>) {
    precondition(rows > 0, "meanPool needs at least one row")
    var acc = [Double](repeating: 0, count: cols)
    for t in 0..<rows {
        let row = x + t * cols
        for c in 0..<cols { acc[c] += Double(row[c]) }
    }
    let inverse = 1 / Double(rows)
    for c in 0..<cols { out[c] = Float(acc[c] * inverse) }
}

/// L2 normalisation in place: x ← x / max(‖x‖₂, 1e-12) (torch.nn.functional.normalize, p = 2).
public func l2NormalizeInPlace(_ x: UnsafeMutablePointer<Float>, count: Int) {
    var squares = 0.0
    for i in 0..<count { squares += Double(x[i]) * Double(x[i]) }
    let norm = max(squares.squareRoot(), 1e-12)
    let inverse = Float(1 / norm)
    for i in 0..<count { x[i] *= inverse }
}

/// L2-normalised copy of `v` (see `l2NormalizeInPlace`).
public func l2Normalized(_ v: [Float]) -> [Float] {
    var out = v
    out.withUnsafeMutableBufferPointer { p in
        if let base = p.baseAddress { l2NormalizeInPlace(base, count: p.count) }
    }
    return out
}
