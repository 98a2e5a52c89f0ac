// The exact fp32 path's Linear products over weights kept as 4-bit blocks (CFourBit): used where the weights
// are exactly 4-bit (checked value by value at load, no flag trusted) and a product has few rows, where reading
// the weights is the cost. The values multiplied are the fp32 weights bit for bit; only the order of the sum
// differs from oneDNN's or OpenBLAS's. `Naive.linear` is the twin; the AVX-512 and portable kernels agree bit
// for bit.
import CFourBit
import Foundation

/// Which CFourBit kernel computes the products.
public enum FourBitKernel: String, Sendable, CaseIterable {
    /// AVX-512F: needs a CPU that runs it.
    case avx512
    /// Plain C loops (the AVX-512 kernel's twin): any CPU, the same results, far slower.
    case portable

    /// Whether this CPU runs this kernel.
    public var isSupported: Bool {
        switch self {
        case .avx512: glossa_q4_cpu_has_avx512() != 0
        case .portable: true
        }
    }

    /// CFourBit's code for this kernel.
    var code: Int32 {
        switch self {
        case .avx512: GLOSSA_Q4_KERNEL_AVX512
        case .portable: GLOSSA_Q4_KERNEL_PORTABLE
        }
    }

    /// The kernel the encoder uses for few-row products over 4-bit weights: AVX-512 where the CPU runs it,
    /// else none (the portable loops are slower than oneDNN over fp32 weights), and none when
    /// `GLOSSA_FOUR_BIT=off` asks for the fp32 products everywhere (comparisons, and how the path without
    /// AVX-512 is exercised on a machine that has it).
    public static var forEncoder: FourBitKernel? {
        guard ProcessInfo.processInfo.environment["GLOSSA_FOUR_BIT"] != "off", FourBitKernel.avx512.isSupported
        else { return nil }
        return .avx512
    }
}

/// A Linear weight (N outputs, K inputs) whose every block of 32 inputs is one scale times integers in −8…7,
/// packed as 4-bit integers with one fp32 scale per (row, block).
///
/// Immutable after init; `Sendable`. Memory: N·K / 2 bytes plus N·K / 8 bytes of scales (a sixth of fp32's).
public final class FourBitMatrix: @unchecked Sendable {
    /// N (output features).
    public let rows: Int
    /// K (input features, a multiple of 32).
    public let columns: Int
    let packed: UnsafeMutablePointer<UInt8>
    let scales: UnsafeMutablePointer<Float>

    /// Packs `weight` (rows, columns) row-major, HF Linear layout [out, in]; nil when any block is not exactly
    /// 4-bit (or columns is not a multiple of 32): such a weight keeps its fp32 products.
    public init?(weight: UnsafePointer<Float>, rows: Int, columns: Int) {
        guard rows > 0, columns > 0, columns % Int(GLOSSA_Q4_BLOCK) == 0 else { return nil }
        let packed = UnsafeMutablePointer<UInt8>.allocate(capacity: glossa_q4_packed_bytes(Int32(rows), Int32(columns)))
        let scales = UnsafeMutablePointer<Float>.allocate(
            capacity: glossa_q4_packed_scales(Int32(rows), Int32(columns)))
        guard glossa_q4_pack_exact(weight, Int32(rows), Int32(columns), packed, scales) == 1 else {
            packed.deallocate()
            scales.deallocate()
            return nil
        }
        self.rows = rows
        self.columns = columns
        self.packed = packed
        self.scales = scales
    }

    deinit {
        packed.deallocate()
        scales.deallocate()
    }

    /// Bytes of the packed weights and scales.
    public var packedBytes: Int {
        glossa_q4_packed_bytes(Int32(rows), Int32(columns))
            + glossa_q4_packed_scales(Int32(rows), Int32(columns)) * MemoryLayout<Float>.size
    }
}

/// Output columns `columns` of out (T, N) = x (T, K) · weightᵀ + bias (N, or none), x row stride K, out row
/// stride N; the other columns of `out` are left as they are. `columns.lowerBound` must be a multiple of 16 (the
/// encoder's feature shares are). Thread safety: concurrent calls on disjoint columns are safe.
public func fourBitLinearColumns(
    _ x: UnsafePointer<Float>, rows: Int, weight: FourBitMatrix, bias: UnsafePointer<Float>?, columns: Range<Int>,
    into out: UnsafeMutablePointer<Float>, kernel: FourBitKernel
) {
    precondition(columns.lowerBound % Int(GLOSSA_Q4_TILE) == 0, "fourBitLinearColumns: columns must start at 16k")
    glossa_q4_gemm(
        x, Int32(rows), Int32(weight.columns), Int32(weight.columns), weight.packed, weight.scales, Int32(weight.rows),
        Int32(columns.lowerBound), Int32(columns.upperBound), bias, out, Int32(weight.rows), kernel.code)
}

/// Convenience over `Matrix` (tests, one-off use): x (T, K) · weight (N, K)ᵀ + bias (N) → (T, N).
public func fourBitLinear(_ x: Matrix, weight: FourBitMatrix, bias: [Float]?, kernel: FourBitKernel) -> Matrix {
    precondition(x.cols == weight.columns, "fourBitLinear: x has \(x.cols) columns, weight expects \(weight.columns)")
    var out = Matrix(rows: x.rows, cols: weight.rows)
    guard x.rows > 0 else { return out }
    x.values.withUnsafeBufferPointer { xp in
        out.values.withUnsafeMutableBufferPointer { op in
            guard let xa = xp.baseAddress, let oa = op.baseAddress else { return }
            if let bias {
                bias.withUnsafeBufferPointer { bp in
                    fourBitLinearColumns(
                        xa, rows: x.rows, weight: weight, bias: bp.baseAddress, columns: 0..<weight.rows, into: oa,
                        kernel: kernel)
                }
            } else {
                fourBitLinearColumns(
                    xa, rows: x.rows, weight: weight, bias: nil, columns: 0..<weight.rows, into: oa, kernel: kernel)
            }
        }
    }
    return out
}
