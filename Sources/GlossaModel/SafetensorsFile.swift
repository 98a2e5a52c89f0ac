// Read-only access to a Hugging Face safetensors file through mmap: the JSON header is parsed once,
// tensors are handed out as FloatTensor (zero-copy for aligned F32, converted once for F16/BF16).
// Format: u64 LE header length N, N bytes of JSON {name: {dtype, shape, data_offsets}}, then data.
import Foundation

/// The storage type of one tensor in a safetensors file.
public enum TensorDType: Sendable, Equatable {
    case f32, f16, bf16
    /// Any other dtype string ("I64", "F64", "U8", ...); cannot be loaded as Float.
    case other(String)

    init(_ text: String) {
        switch text {
        case "F32": self = .f32
        case "F16": self = .f16
        case "BF16": self = .bf16
        default: self = .other(text)
        }
    }

    /// Bytes per element, or nil for dtypes this loader does not size.
    var byteWidth: Int? {
        switch self {
        case .f32: return 4
        case .f16, .bf16: return 2
        case .other(let name):
            switch name {
            case "F64", "I64", "U64": return 8
            case "I32", "U32": return 4
            case "I16", "U16": return 2
            case "I8", "U8", "BOOL", "F8_E4M3", "F8_E5M2": return 1
            default: return nil
            }
        }
    }

    /// The safetensors spelling ("F32", ...).
    public var name: String {
        switch self {
        case .f32: return "F32"
        case .f16: return "F16"
        case .bf16: return "BF16"
        case .other(let name): return name
        }
    }
}

/// What the header says about one tensor.
public struct TensorInfo: Sendable, Equatable {
    public let dtype: TensorDType
    /// Row-major shape, outermost first (HF Linear weights are [out, in]).
    public let shape: [Int]
    /// Byte range relative to the start of the data region.
    let begin: Int
    let end: Int

    /// Number of elements (1 for a scalar with shape []).
    public var elementCount: Int { shape.reduce(1, *) }
}

/// A read-only Float view of a tensor, row-major, with `shape.reduce(1,*)` elements at `pointer`.
///
/// The memory stays valid as long as this value (or a copy) lives: it holds a strong reference to
/// the mmap or the converted buffer. Immutable, so safe to read from many threads.
public struct FloatTensor: @unchecked Sendable {
    public let shape: [Int]
    public let pointer: UnsafePointer<Float>
    /// Keeps the mapping or the owned buffer alive.
    private let owner: AnyObject

    init(shape: [Int], pointer: UnsafePointer<Float>, owner: AnyObject) {
        self.shape = shape
        self.pointer = pointer
        self.owner = owner
    }

    /// Number of elements.
    public var count: Int { shape.reduce(1, *) }

    /// The elements as a buffer pointer (valid while this value lives).
    public var buffer: UnsafeBufferPointer<Float> { UnsafeBufferPointer(start: pointer, count: count) }

    /// A copy of the elements (for tests and small tensors).
    public func toArray() -> [Float] { Array(buffer) }
}

/// A safetensors file mapped read-only. Opening parses and validates the whole header (every
/// tensor's byte range against the file length and its dtype and shape); loading a tensor is O(1)
/// for aligned F32 and O(n) for F16/BF16, which each `floatTensor` call converts into a new owned
/// buffer (load each tensor once and keep it). Immutable after init: safe to share across threads.
///
/// Reference: https://github.com/huggingface/safetensors (format section of the README).
public final class SafetensorsFile: @unchecked Sendable {
    /// The path the file was opened from (used in every error).
    public let path: String
    private let file: MappedFile
    private let dataStart: Int
    private let infos: [String: TensorInfo]
    /// The `__metadata__` string map, if present.
    public let metadata: [String: String]

    /// Maps `path` and validates its header. Throws `ModelError.unreadable` or `.malformedSafetensors`.
    public init(path: String) throws {
        self.path = path
        file = try MappedFile(path: path)
        guard file.count >= 8 else {
            throw ModelError.malformedSafetensors(
                path: path, reason: "file is \(file.count) bytes, shorter than the 8-byte header length")
        }
        let headerLength = file.bytes(at: 0, length: 8).loadUnaligned(as: UInt64.self).littleEndian
        guard headerLength <= UInt64(file.count - 8), headerLength <= 100_000_000 else {
            throw ModelError.malformedSafetensors(
                path: path, reason: "header length \(headerLength) exceeds the file length \(file.count)")
        }
        dataStart = 8 + Int(headerLength)
        let headerBytes = Data(file.bytes(at: 8, length: Int(headerLength)))
        let parsed: (infos: [String: TensorInfo], metadata: [String: String])
        parsed = try Self.parseHeader(headerBytes, path: path, dataLength: file.count - dataStart)
        infos = parsed.infos
        metadata = parsed.metadata
    }

    /// All tensor names, sorted.
    public var tensorNames: [String] { infos.keys.sorted() }

    /// The dtype and shape of `name`, or nil if absent.
    public func info(_ name: String) -> TensorInfo? { infos[name] }

    /// Loads `name` as Float, checking its shape against `expected`.
    ///
    /// Throws `.missingTensor`, `.unsupportedDType`, or `.shapeMismatch` (naming file, tensor, both shapes).
    public func floatTensor(_ name: String, shape expected: [Int]) throws -> FloatTensor {
        let tensor = try floatTensor(name)
        guard tensor.shape == expected else {
            throw ModelError.shapeMismatch(path: path, tensor: name, expected: expected, actual: tensor.shape)
        }
        return tensor
    }

    /// Loads `name` as Float with whatever shape the file declares.
    public func floatTensor(_ name: String) throws -> FloatTensor {
        guard let info = infos[name] else { throw ModelError.missingTensor(path: path, tensor: name) }
        let count = info.elementCount
        let bytes = file.bytes(at: dataStart + info.begin, length: info.end - info.begin)
        switch info.dtype {
        case .f32:
            // Zero-copy when the mapped address is 4-byte aligned (page-aligned base + offset).
            if let start = bytes.baseAddress, Int(bitPattern: start) % MemoryLayout<Float>.alignment == 0 {
                return FloatTensor(shape: info.shape, pointer: start.assumingMemoryBound(to: Float.self), owner: file)
            }
            let storage = FloatStorage(count: count)
            for i in 0..<count {
                storage.pointer[i] = Float(
                    bitPattern: bytes.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self).littleEndian)
            }
            return FloatTensor(shape: info.shape, pointer: UnsafePointer(storage.pointer), owner: storage)
        case .f16, .bf16:
            let storage = FloatStorage(count: count)
            let isHalf = info.dtype == .f16
            for i in 0..<count {
                let bits = bytes.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self).littleEndian
                storage.pointer[i] = isHalf ? Half.float(fromHalfBits: bits) : Half.float(fromBFloat16Bits: bits)
            }
            return FloatTensor(shape: info.shape, pointer: UnsafePointer(storage.pointer), owner: storage)
        case .other(let dtype):
            throw ModelError.unsupportedDType(path: path, tensor: name, dtype: dtype)
        }
    }

    // MARK: - Header parsing

    private static func parseHeader(_ data: Data, path: String, dataLength: Int) throws
        -> (infos: [String: TensorInfo], metadata: [String: String])
    {
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: data)
        } catch {
            throw ModelError.malformedSafetensors(path: path, reason: "the header is not valid JSON")
        }
        guard let root = object as? [String: Any] else {
            throw ModelError.malformedSafetensors(path: path, reason: "the header is not a JSON object")
        }
        var infos: [String: TensorInfo] = [:]
        var metadata: [String: String] = [:]
        for (name, value) in root {
            if name == "__metadata__" {
                if let map = value as? [String: Any] {
                    for (key, item) in map { metadata[key] = item as? String ?? "\(item)" }
                }
                continue
            }
            infos[name] = try parseEntry(name: name, value: value, path: path, dataLength: dataLength)
        }
        return (infos, metadata)
    }

    private static func parseEntry(name: String, value: Any, path: String, dataLength: Int) throws -> TensorInfo {
        func bad(_ reason: String) -> ModelError {
            .malformedSafetensors(path: path, reason: "tensor '\(name)': \(reason)")
        }
        guard let entry = value as? [String: Any],
            let dtypeText = entry["dtype"] as? String,
            let shapeValues = entry["shape"] as? [Any],
            let offsetValues = entry["data_offsets"] as? [Any], offsetValues.count == 2
        else { throw bad("needs dtype, shape and data_offsets [begin, end]") }
        let shape = try shapeValues.map { item -> Int in
            guard let number = item as? NSNumber, number.int64Value >= 0, number.int64Value < 1 << 40 else {
                throw bad("shape \(shapeValues) has an entry that is not a non-negative integer")
            }
            return number.intValue
        }
        let offsets = try offsetValues.map { item -> Int in
            guard let number = item as? NSNumber, number.int64Value >= 0 else {
                throw bad("data_offsets \(offsetValues) are not non-negative integers")
            }
            return number.intValue
        }
        let dtype = TensorDType(dtypeText)
        let (begin, end) = (offsets[0], offsets[1])
        guard begin <= end, end <= dataLength else {
            throw bad(
                "data_offsets [\(begin), \(end)] fall outside the \(dataLength)-byte data region (truncated file?)")
        }
        var elements = 1
        for dim in shape {
            let (product, overflow) = elements.multipliedReportingOverflow(by: dim)
            guard !overflow else { throw bad("shape \(shape) is too large") }
            elements = product
        }
        if let width = dtype.byteWidth, elements * width != end - begin {
            throw bad(
                "shape \(shape) of \(dtypeText) needs \(elements * width) bytes but data_offsets span \(end - begin)")
        }
        return TensorInfo(dtype: dtype, shape: shape, begin: begin, end: end)
    }
}
