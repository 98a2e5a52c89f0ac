// The exact path's Linear layers on oneDNN (CDNNL): each weight reordered once, at load, into the blocked
// layout oneDNN's brgemm kernel reads, then every product runs on the calling thread over that copy. The
// OpenBLAS form (`linearColumns`) stays as the fallback and as the kernel `GLOSSA_FP32_KERNEL=openblas`
// selects; `Naive.linear` is the twin both are tested against.
import CDNNL
import Foundation

/// Which library computes the fp32 path's Linear products.
public enum LinearKernel: String, Sendable, CaseIterable {
    /// oneDNN's matmul over weights prepacked at load: 1.3-1.4x OpenBLAS's rate at one query's 13 rows on
    /// AVX-512 (Benchmarks/results/encode.md).
    case onednn
    /// OpenBLAS's sgemm over the weights as stored in model.safetensors.
    case openblas

    /// oneDNN, unless `GLOSSA_FP32_KERNEL=openblas` asks for OpenBLAS (for comparisons and as an escape hatch).
    public static var preferred: LinearKernel {
        ProcessInfo.processInfo.environment["GLOSSA_FP32_KERNEL"] == "openblas" ? .openblas : .onednn
    }
}

/// oneDNN refused to pack a weight or to run a product; the message is oneDNN's.
public struct OneDNNError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}

/// A Linear weight (N outputs, K inputs, nn.Linear layout [out, in]) prepacked by oneDNN as consecutive
/// column slices, one per core that shares its products: slice i computes out[:, slices[i]].
///
/// Thread safety: each slice has `lanes` lanes (its own primitives and stream each), and concurrent calls are
/// safe on different (slice, lane) pairs; the encoder gives every thread of its team a lane of its own.
/// Memory: about N·K floats, plus oneDNN's padding to its blocks, however many lanes.
public final class PackedLinear: @unchecked Sendable {
    public let outFeatures: Int
    public let inFeatures: Int
    /// The output columns of each packed part, in order, covering 0..<outFeatures.
    public let slices: [Range<Int>]
    /// Threads that may run products at once over one slice, each through its own lane.
    public let lanes: Int
    private let parts: [OpaquePointer]

    /// Packs `weight` (outFeatures, inFeatures) row-major, slice by slice. Throws `OneDNNError` when oneDNN
    /// refuses (e.g. a CPU or build it has no kernel for).
    public init(
        weight: UnsafePointer<Float>, outFeatures: Int, inFeatures: Int, slices: [Range<Int>], lanes: Int = 1
    ) throws {
        precondition(
            slices.first?.lowerBound == 0 && slices.last?.upperBound == outFeatures
                && zip(slices, slices.dropFirst()).allSatisfy { $0.upperBound == $1.lowerBound }
                && slices.allSatisfy { !$0.isEmpty },
            "PackedLinear: slices must be non-empty and cover 0..<\(outFeatures) in order")
        self.outFeatures = outFeatures
        self.inFeatures = inFeatures
        self.slices = slices
        self.lanes = max(1, lanes)
        var parts: [OpaquePointer] = []
        for slice in slices {
            var message = [CChar](repeating: 0, count: 512)
            guard
                let part = glossa_dnnl_linear_pack(
                    weight + slice.lowerBound * inFeatures, Int64(slice.count), Int64(inFeatures), Int64(self.lanes),
                    &message, message.count)
            else {
                parts.forEach { glossa_dnnl_linear_free($0) }
                throw OneDNNError(message: string(fromNulTerminated: message))
            }
            parts.append(part)
        }
        self.parts = parts
    }

    deinit { parts.forEach { glossa_dnnl_linear_free($0) } }

    /// Bytes of the packed copies.
    public var packedBytes: Int { parts.reduce(0) { $0 + glossa_dnnl_linear_packed_bytes($1) } }

    /// out[:, slices[index]] = x · weight[slices[index]]ᵀ (+ bias[slices[index]]), for x (rows, inFeatures)
    /// row-major and out (rows, outFeatures) row-major; the other columns of `out` are left as they are.
    /// Runs on the calling thread, through `lane` (0 ..< lanes). Throws `OneDNNError` when oneDNN fails
    /// (nothing it wrote is then to be used).
    public func apply(
        slice index: Int, lane: Int = 0, _ x: UnsafePointer<Float>, rows: Int, bias: UnsafePointer<Float>?,
        into out: UnsafeMutablePointer<Float>
    ) throws {
        let slice = slices[index]
        guard rows > 0 else { return }
        precondition(lanes > lane && lane >= 0, "PackedLinear: lane \(lane) of \(lanes)")
        var message = [CChar](repeating: 0, count: 512)
        let status = glossa_dnnl_linear_apply(
            parts[index], Int64(lane), x, Int64(rows), Int64(inFeatures), bias.map { $0 + slice.lowerBound },
            out + slice.lowerBound, Int64(outFeatures), &message, message.count)
        if status != 0 { throw OneDNNError(message: string(fromNulTerminated: message)) }
    }

    /// Every slice in turn: the whole product on the calling thread, through `lane`.
    public func applyAll(
        lane: Int = 0, _ x: UnsafePointer<Float>, rows: Int, bias: UnsafePointer<Float>?,
        into out: UnsafeMutablePointer<Float>
    ) throws {
        for index in slices.indices { try apply(slice: index, lane: lane, x, rows: rows, bias: bias, into: out) }
    }

    /// oneDNN's name for the implementation that runs products of `rows` rows ("brg:avx512_core" on AVX-512).
    public func kernelName(rows: Int) -> String {
        guard let first = parts.first else { return "" }
        var name = [CChar](repeating: 0, count: 128)
        glossa_dnnl_linear_kernel_name(first, Int64(rows), &name, name.count)
        return string(fromNulTerminated: name)
    }
}

/// The text a C call wrote into `buffer`, up to its terminating NUL.
private func string(fromNulTerminated buffer: [CChar]) -> String {
    String(decoding: buffer.prefix { $0 != 0 }.map(UInt8.init), as: UTF8.self)
}

/// Convenience over `Matrix` (tests, one-off use): x (T, K) · weight (N, K)ᵀ + bias (N) → (T, N) on oneDNN,
/// with the weight cut into `parts` slices as the encoder cuts it among cores.
public func packedLinear(_ x: Matrix, weight: Matrix, bias: [Float]?, parts: Int = 1) throws -> Matrix {
    precondition(x.cols == weight.cols, "packedLinear: x has \(x.cols) columns, weight expects \(weight.cols)")
    var out = Matrix(rows: x.rows, cols: weight.rows)
    let n = weight.rows
    let width = (n + parts - 1) / parts
    let slices = stride(from: 0, to: n, by: max(width, 1)).map { $0..<min(n, $0 + width) }
    let packed = try weight.values.withUnsafeBufferPointer { wp -> PackedLinear? in
        guard let base = wp.baseAddress else { return nil }
        return try PackedLinear(weight: base, outFeatures: n, inFeatures: weight.cols, slices: slices)
    }
    guard let packed, x.rows > 0 else { return out }
    try x.values.withUnsafeBufferPointer { xp in
        try out.values.withUnsafeMutableBufferPointer { op in
            guard let xa = xp.baseAddress, let oa = op.baseAddress else { return }
            if let bias {
                try bias.withUnsafeBufferPointer { bp in
                    try packed.applyAll(xa, rows: x.rows, bias: bp.baseAddress, into: oa)
                }
            } else {
                try packed.applyAll(xa, rows: x.rows, bias: nil, into: oa)
            }
        }
    }
    return out
}
