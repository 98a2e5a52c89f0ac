// Vector comparison helpers with named tolerances (ggml style) and llm.c-style failure reports.
import Foundation

public enum Tolerance {
    /// fp32 implementation vs the fp32 reference: max |Δ| per component (see shared/golden/README.md).
    public static let fp32Component: Float = 1e-5
    /// int8 path vs the fp32 path (issue 10): mean cosine over a text set, and the lowest any one text may have
    /// (the issue asks it of the 1st percentile; the small golden set is held to it for every text).
    public static let int8MeanCosine = 0.9995
    public static let int8MinCosine = 0.998
}

public enum Numeric {
    /// The largest absolute component difference; the arrays must have equal length.
    public static func maxAbsDiff(_ a: [Float], _ b: [Float]) -> Float {
        precondition(a.count == b.count, "length mismatch \(a.count) vs \(b.count)")
        var worst: Float = 0
        for i in a.indices { worst = max(worst, abs(a[i] - b[i])) }
        return worst
    }

    /// Cosine similarity in Double.
    public static func cosine(_ a: [Float], _ b: [Float]) -> Double {
        var dot = 0.0, na = 0.0, nb = 0.0
        for i in a.indices {
            dot += Double(a[i]) * Double(b[i])
            na += Double(a[i]) * Double(a[i])
            nb += Double(b[i]) * Double(b[i])
        }
        return dot / (na.squareRoot() * nb.squareRoot())
    }

    /// A one-line report for failures: first 5 components of each side and the max difference.
    public static func report(_ name: String, got: [Float], expected: [Float]) -> String {
        let head = { (v: [Float]) in v.prefix(5).map { String(format: "%.7f", $0) }.joined(separator: ", ") }
        return "\(name): max|Δ| = \(maxAbsDiff(got, expected)); got [\(head(got))…] expected [\(head(expected))…]"
    }
}
