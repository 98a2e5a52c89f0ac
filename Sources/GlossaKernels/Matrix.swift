// A small owned row-major matrix for tests, naive references and one-off conversions.
// Hot paths work on raw pointers into reused buffers instead (see GlossaEncoder).

/// A row-major Float32 matrix of `rows × cols` values.
///
/// Value semantics (copy on write through `[Float]`). Subscripts trap on out-of-range indices.
public struct Matrix: Sendable, Equatable {
    /// Number of rows (for activations: tokens T).
    public let rows: Int
    /// Number of columns (for activations: hidden C).
    public let cols: Int
    /// `rows * cols` values, row after row.
    public var values: [Float]

    /// A matrix filled with `value`.
    public init(rows: Int, cols: Int, repeating value: Float = 0) {
        precondition(rows >= 0 && cols >= 0, "negative matrix shape (\(rows), \(cols))")
        self.rows = rows
        self.cols = cols
        self.values = [Float](repeating: value, count: rows * cols)
    }

    /// A matrix over existing row-major values; traps when `values.count != rows * cols` (programmer error).
    public init(rows: Int, cols: Int, values: [Float]) {
        precondition(
            values.count == rows * cols, "Matrix(\(rows), \(cols)) needs \(rows * cols) values, got \(values.count)")
        self.rows = rows
        self.cols = cols
        self.values = values
    }

    /// The element at row `r`, column `c`.
    public subscript(r: Int, c: Int) -> Float {
        get { values[r * cols + c] }
        set { values[r * cols + c] = newValue }
    }

    /// A copy of row `r`.
    public func row(_ r: Int) -> [Float] {
        Array(values[(r * cols)..<((r + 1) * cols)])
    }

    /// The transpose, `(cols, rows)`.
    public func transposed() -> Matrix {
        var out = Matrix(rows: cols, cols: rows)
        for r in 0..<rows {
            for c in 0..<cols { out[c, r] = self[r, c] }
        }
        return out
    }
}
