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
}
