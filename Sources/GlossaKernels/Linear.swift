// Matrix products on OpenBLAS: the general sgemm wrapper and the Hugging Face `nn.Linear` form
// x·Wᵀ + b, where W is stored [out, in] exactly as in model.safetensors (no transpose copy).
import CBLAS

/// `c = alpha · op(a) · op(b) + beta · c` on row-major matrices (`cblas_sgemm`).
///
/// - Shapes: op(a) is (m, k), op(b) is (k, n), c is (m, n); `lda`, `ldb`, `ldc` are row strides in
///   elements, which lets callers address a column block such as one attention head inside a wider buffer.
/// - Thread safety: safe to call concurrently on disjoint outputs (OpenBLAS pthread build).
/// - Cost: 2·m·n·k flops.
public func sgemm(
    transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float = 1,
    a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
    beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int
) {
    if m == 0 || n == 0 { return }
    cblas_sgemm(
        CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
        Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
}

/// The `nn.Linear` forward: `out = x · weightᵀ + bias`.
///
/// x: (T, inFeatures) row-major; weight: (outFeatures, inFeatures) as stored by Hugging Face;
/// bias: (outFeatures) or nil; out: (T, outFeatures). `out` must not alias `x`.
/// Reference: torch.nn.functional.linear.
public func linear(
    _ x: UnsafePointer<Float>, rows: Int, inFeatures: Int,
    weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?, outFeatures: Int,
    into out: UnsafeMutablePointer<Float>
) {
    linearColumns(
        x, rows: rows, inFeatures: inFeatures, weight: weight, bias: bias, outFeatures: outFeatures,
        columns: 0..<outFeatures, into: out)
}

/// Convenience over `Matrix`: x (T, in) · weight (out, in)ᵀ + bias (out) → (T, out).
public func linear(_ x: Matrix, weight: Matrix, bias: [Float]?) -> Matrix {
    precondition(x.cols == weight.cols, "linear: x has \(x.cols) columns, weight expects \(weight.cols)")
    precondition(bias == nil || bias?.count == weight.rows, "linear: bias length must equal \(weight.rows)")
    var out = Matrix(rows: x.rows, cols: weight.rows)
    if x.rows == 0 || weight.rows == 0 || x.cols == 0 { return out }
    x.values.withUnsafeBufferPointer { xp in
        weight.values.withUnsafeBufferPointer { wp in
            out.values.withUnsafeMutableBufferPointer { op in
                guard let xa = xp.baseAddress, let wa = wp.baseAddress, let oa = op.baseAddress else { return }
                // No bias must mean a nil pointer: an empty array's buffer may still have an address.
                guard let bias else {
                    linear(
                        xa, rows: x.rows, inFeatures: x.cols, weight: wa, bias: nil, outFeatures: weight.rows, into: oa)
                    return
                }
                bias.withUnsafeBufferPointer { bp in
                    linear(
                        xa, rows: x.rows, inFeatures: x.cols, weight: wa, bias: bp.baseAddress,
                        outFeatures: weight.rows, into: oa)
                }
            }
        }
    }
    return out
}

/// Output columns `columns` of the `nn.Linear` forward: `out[:, columns] = x · weight[columns]ᵀ + bias[columns]`
/// (no bias when nil), leaving the other columns of `out` (row stride `outFeatures`) untouched. This is the
/// unit of work when the output features of one product are shared among cores.
///
/// A bias is written into `out` first and the product added onto it (beta = 1): that write replaces the
/// zeroing OpenBLAS does for beta = 0, so the bias costs no pass of its own.
///
/// Few rows (one short query) make OpenBLAS's blocked path slow: it packs every weight it touches, about
/// as much memory traffic as the product itself. Narrow column chunks instead stay under the size at which
/// OpenBLAS uses its small-matrix kernels, which read the weights in place (about 2x the GFLOP/s at 8–32
/// rows on AVX-512, `Benchmarks/results/encode.md`). The sum over `inFeatures` is the same for every
/// output, so chunking changes no result beyond the kernels' own rounding.
public func linearColumns(
    _ x: UnsafePointer<Float>, rows: Int, inFeatures: Int,
    weight: UnsafePointer<Float>, bias: UnsafePointer<Float>? = nil, outFeatures: Int, columns: Range<Int>,
    into out: UnsafeMutablePointer<Float>
) {
    if let bias {
        for t in 0..<rows {
            (out + t * outFeatures + columns.lowerBound).update(from: bias + columns.lowerBound, count: columns.count)
        }
    }
    let chunk = linearColumnChunk(rows: rows, inFeatures: inFeatures) ?? columns.count
    var start = columns.lowerBound
    while start < columns.upperBound {
        let width = min(chunk, columns.upperBound - start)
        sgemm(
            transposeA: false, transposeB: true, m: rows, n: width, k: inFeatures,
            a: x, lda: inFeatures, b: weight + start * inFeatures, ldb: inFeatures, beta: bias == nil ? 0 : 1,
            c: out + start, ldc: outFeatures)
        start += width
    }
}

/// The column chunk `linearColumns` uses for `rows` × `inFeatures` inputs, or nil for one call per range.
///
/// Measured with OpenBLAS 0.3.21 (SkylakeX kernels, one thread) at mE5's shapes (inFeatures 384 and 1536):
/// chunks pay off up to 32 rows (1.2–2x at 4–16 rows, even at 24–32) and lose beyond; the best width keeps
/// rows · width · inFeatures near 2¹⁸, between 16 and 128 columns.
public func linearColumnChunk(rows: Int, inFeatures: Int) -> Int? {
    let work = rows * inFeatures
    guard work > 0, rows <= 32 else { return nil }
    var width = 16
    while width < 128 && 2 * width * work <= 1 << 18 { width *= 2 }
    return width
}
