// Naive references for every kernel: plain loops in Double, written to be read line by line against
// the PyTorch definitions. Tests compare the fast kernels with these (llm.c's matmul_forward_naive habit).
import Foundation

/// The reference implementations. Internal: used by GlossaKernelsTests through `@testable import`.
enum Naive {
    /// x (T, in) · weight (out, in)ᵀ + bias (out) → (T, out), accumulated in Double.
    static func linear(_ x: Matrix, weight: Matrix, bias: [Float]?) -> Matrix {
        var out = Matrix(rows: x.rows, cols: weight.rows)
        for t in 0..<x.rows {
            for o in 0..<weight.rows {
                var s = Double(bias?[o] ?? 0)
                for i in 0..<x.cols { s += Double(x[t, i]) * Double(weight[o, i]) }
                out[t, o] = Float(s)
            }
        }
        return out
    }

    /// a (m, k) · b (k, n) → (m, n).
    static func matmul(_ a: Matrix, _ b: Matrix) -> Matrix {
        var out = Matrix(rows: a.rows, cols: b.cols)
        for i in 0..<a.rows {
            for j in 0..<b.cols {
                var s = 0.0
                for p in 0..<a.cols { s += Double(a[i, p]) * Double(b[p, j]) }
                out[i, j] = Float(s)
            }
        }
        return out
    }

    /// LayerNorm over each row of x (T, C).
    static func layerNorm(_ x: Matrix, gamma: [Float], beta: [Float], eps: Float) -> Matrix {
        var out = x
        for t in 0..<x.rows {
            let row = x.row(t).map(Double.init)
            let mean = row.reduce(0, +) / Double(x.cols)
            let variance = row.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(x.cols)
            let rstd = 1 / (variance + Double(eps)).squareRoot()
            for c in 0..<x.cols {
                out[t, c] = Float((row[c] - mean) * rstd * Double(gamma[c]) + Double(beta[c]))
            }
        }
        return out
    }

    /// GELU with the exact erf: x · ½ · (1 + erf(x / √2)).
    static func gelu(_ x: [Float]) -> [Float] {
        x.map { v in Float(Double(v) * 0.5 * (1 + erf(Double(v) / 2.0.squareRoot()))) }
    }

    /// Softmax over each row of x.
    static func softmaxRows(_ x: Matrix) -> Matrix {
        var out = x
        for t in 0..<x.rows {
            let row = x.row(t).map(Double.init)
            let m = row.max() ?? 0
            let e = row.map { exp($0 - m) }
            let s = e.reduce(0, +)
            for c in 0..<x.cols { out[t, c] = Float(e[c] / s) }
        }
        return out
    }

    /// Mean of the rows of x (T, C) → (C).
    static func meanPool(_ x: Matrix) -> [Float] {
        (0..<x.cols).map { c in
            Float((0..<x.rows).map { Double(x[$0, c]) }.reduce(0, +) / Double(x.rows))
        }
    }

    /// v / max(‖v‖₂, 1e-12).
    static func l2Normalize(_ v: [Float]) -> [Float] {
        let norm = max(v.map { Double($0) * Double($0) }.reduce(0, +).squareRoot(), 1e-12)
        return v.map { Float(Double($0) / norm) }
    }

    /// Scaled dot-product attention for one head: softmax(q kᵀ / √D) v, q/k/v: (T, D).
    static func attention(q: Matrix, k: Matrix, v: Matrix) -> Matrix {
        var scores = matmul(q, k.transposed())
        let scale = 1 / Double(q.cols).squareRoot()
        for i in scores.values.indices { scores.values[i] = Float(Double(scores.values[i]) * scale) }
        return matmul(softmaxRows(scores), v)
    }

    // MARK: - int8 (the CInt8 contract, written out)

    /// Each row of x (T, K) quantised per block of 32: scale = max|x| / 127, q = round-half-even(x · 127 / max|x|).
    /// Returns values (T, K) and scales (T, ⌈K/32⌉).
    static func quantizeRows(_ x: Matrix) -> (values: [Int8], scales: [Float]) {
        let perRow = (x.cols + 31) / 32
        var values = [Int8](repeating: 0, count: x.rows * x.cols)
        var scales = [Float](repeating: 0, count: x.rows * perRow)
        for t in 0..<x.rows {
            for b in 0..<perRow {
                let range = (b * 32)..<min(x.cols, b * 32 + 32)
                let amax = range.map { abs(x[t, $0]) }.max() ?? 0
                let inverse: Float = amax > 0 ? 127 / amax : 0
                for c in range { values[t * x.cols + c] = Int8((x[t, c] * inverse).rounded(.toNearestOrEven)) }
                scales[t * perRow + b] = amax / 127
            }
        }
        return (values, scales)
    }

    /// out (T, N) = Σ_blocks xs · ws · Σ xq · wq + bias, in Double: x and w given as int8 values with per
    /// (row, block of 32) scales, xq (T, K), wq (N, K).
    static func int8Linear(
        x: (values: [Int8], scales: [Float]), rows: Int, w: (values: [Int8], scales: [Float]), outFeatures: Int,
        inFeatures: Int, bias: [Float]?
    ) -> Matrix {
        let perRow = (inFeatures + 31) / 32
        var out = Matrix(rows: rows, cols: outFeatures)
        for t in 0..<rows {
            for o in 0..<outFeatures {
                var s = Double(bias?[o] ?? 0)
                for b in 0..<perRow {
                    var block = 0
                    for c in (b * 32)..<min(inFeatures, b * 32 + 32) {
                        block += Int(x.values[t * inFeatures + c]) * Int(w.values[o * inFeatures + c])
                    }
                    s += Double(x.scales[t * perRow + b]) * Double(w.scales[o * perRow + b]) * Double(block)
                }
                out[t, o] = Float(s)
            }
        }
        return out
    }
}
