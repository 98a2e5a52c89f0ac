// Low-level bundle file access: the NPY 1.0 header (write and parse), and a buffered file reader that
// feeds every byte it reads into a SHA-256 digest, so a bundle is checksummed in the same pass that reads it.
import Foundation

/// NumPy's `.npy` header for a C-order little-endian float32 matrix (format version 1.0).
enum NPYHeader {
    static let magic: [UInt8] = [0x93] + Array("NUMPY".utf8)
    /// Headers Glossa writes are always this long, so the row count can be filled in after the rows.
    static let fixedLength = 128

    /// The header for (rows, dimension) `<f4` C order, padded with spaces to `fixedLength` bytes ending in `\n`.
    static func bytes(rows: Int, dimension: Int) -> [UInt8] {
        var dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (\(rows), \(dimension)), }"
        let room = fixedLength - magic.count - 4
        dict += String(repeating: " ", count: max(0, room - dict.utf8.count - 1)) + "\n"
        let length = UInt16(dict.utf8.count)
        return magic + [1, 0, UInt8(length & 0xff), UInt8(length >> 8)] + Array(dict.utf8)
    }

    /// Parses a header (versions 1.0 and 2.0): returns the shape and the offset of the first row, or throws
    /// the reason (the caller names the file).
    static func parse(_ head: [UInt8]) throws(HeaderProblem) -> (rows: Int, dimension: Int, dataOffset: Int) {
        guard head.count >= 10, Array(head[0..<6]) == magic else { throw HeaderProblem("not an NPY file (no \\x93NUMPY magic)") }
        let major = head[6]
        let (lengthBytes, start): (Int, Int) = major == 1 ? (2, 8) : major == 2 || major == 3 ? (4, 8) : (0, 0)
        guard lengthBytes > 0 else { throw HeaderProblem("NPY version \(major).\(head[7]) is not supported (write 1.0)") }
        var length = 0
        for i in 0..<lengthBytes { length |= Int(head[start + i]) << (8 * i) }
        let offset = start + lengthBytes + length
        guard head.count >= offset else { throw HeaderProblem("the header is truncated") }
        let text = String(decoding: head[(start + lengthBytes)..<offset], as: UTF8.self)
        let compact = text.filter { !$0.isWhitespace }
        guard compact.contains("'descr':'<f4'") else {
            throw HeaderProblem("dtype must be '<f4' (little-endian float32); the header says \(text.trimmed)")
        }
        guard compact.contains("'fortran_order':False") else { throw HeaderProblem("the array must be in C order, not Fortran order") }
        guard let open = compact.range(of: "'shape':("), let close = compact[open.upperBound...].firstIndex(of: ")") else {
            throw HeaderProblem("the header has no shape")
        }
        let dims = compact[open.upperBound..<close].split(separator: ",").map { Int($0) }
        guard dims.count == 2, let rows = dims[0], let dimension = dims[1], rows >= 0, dimension > 0 else {
            throw HeaderProblem("the shape must be (rows, dimension); the header says \(text.trimmed)")
        }
        return (rows, dimension, offset)
    }

    struct HeaderProblem: Error {
        let reason: String
        init(_ reason: String) { self.reason = reason }
    }
}

/// Reads a file front to back in large blocks, hashing every byte read (SHA-256). Gives lines (rows.jsonl)
/// or fixed-size records (vectors.f32.npy). Not thread-safe.
final class HashingReader {
    let path: String
    private let descriptor: Int32
    private var buffer: [UInt8] = []
    private var position = 0
    private var atEnd = false
    private let digest = SHA256Digest()
    private var block: [UInt8]
    /// Bytes handed out so far (lines include their `\n`).
    private(set) var consumed: Int64 = 0

    init(path: String, blockSize: Int = 4 << 20) throws {
        self.path = path
        descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else {
            throw IngestError.bundle(file: path, line: nil, reason: "cannot open it (\(String(cString: strerror(errno))))")
        }
        // A small file needs no 4 MB block (one byte more than the file sees its end in the first read).
        var status = stat()
        let size = fstat(descriptor, &status) == 0 ? Int(status.st_size) : blockSize
        block = [UInt8](repeating: 0, count: max(1, min(blockSize, size + 1)))
    }

    deinit { close(descriptor) }

    /// Makes at least `count` unread bytes available unless the file ends first; false at end of file.
    private func fill(_ count: Int) throws -> Bool {
        while buffer.count - position < count {
            if atEnd { return false }
            if position > 0 {
                buffer.removeSubrange(0..<position)
                position = 0
            }
            // Read into a block allocated once, then append only what arrived: growing `buffer` by a
            // zero-filled block per read cost 11 s per tiny bundle in the fuzzer's debug build (element by
            // element), and a 4 MB memset per block in release.
            let got = block.withUnsafeMutableBytes { raw in read(descriptor, raw.baseAddress!, raw.count) }
            guard got >= 0 else {
                throw IngestError.bundle(file: path, line: nil, reason: "read failed (\(String(cString: strerror(errno))))")
            }
            block.withUnsafeBytes { raw in
                let arrived = UnsafeRawBufferPointer(rebasing: raw[0..<got])
                buffer.append(contentsOf: arrived)
                digest.update(arrived)
            }
            if got == 0 { atEnd = true }
        }
        return true
    }

    /// The next `\n`-terminated line without its terminator (a final unterminated line counts), or nil.
    func nextLine() throws -> ArraySlice<UInt8>? {
        while true {
            if let newline = buffer[position...].firstIndex(of: UInt8(ascii: "\n")) {
                let line = buffer[position..<newline]
                consumed += Int64(newline + 1 - position)
                position = newline + 1
                return line
            }
            if atEnd {
                guard position < buffer.count else { return nil }
                let line = buffer[position...]
                consumed += Int64(buffer.count - position)
                position = buffer.count
                return line
            }
            _ = try fill(buffer.count - position + 1)
        }
    }

    /// Exactly `count` bytes, or nil when the file ends first (the bytes read so far are consumed).
    func next(_ count: Int) throws -> ArraySlice<UInt8>? {
        guard try fill(count) else {
            consumed += Int64(buffer.count - position)
            position = buffer.count
            return nil
        }
        let slice = buffer[position..<position + count]
        position += count
        consumed += Int64(count)
        return slice
    }

    /// Reads to the end (hashing it) and returns how many bytes were left unread.
    func drain() throws -> Int64 {
        var rest = Int64(buffer.count - position)
        position = buffer.count
        while try fill(1) {
            rest += Int64(buffer.count - position)
            position = buffer.count
        }
        return rest
    }

    /// The SHA-256 of everything read (call after `drain()`).
    func finalize() -> String { digest.finalize() }
}

extension String {
    fileprivate var trimmed: String { trimmingCharacters(in: .whitespacesAndNewlines) }
}

/// JSON text helpers for writing rows.jsonl by hand (fixed key order, no Foundation encoder per row).
enum JSONText {
    /// A JSON string literal for `text` (quotes, backslashes and control characters escaped; the rest
    /// is written as UTF-8).
    static func quoted(_ text: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        let hex = Array("0123456789abcdef".utf8)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out += [92, 34]
            case UInt8(ascii: "\\"): out += [92, 92]
            case 0x0a: out += [92, UInt8(ascii: "n")]
            case 0x0d: out += [92, UInt8(ascii: "r")]
            case 0x09: out += [92, UInt8(ascii: "t")]
            case 0..<0x20: out += [92, UInt8(ascii: "u"), 48, 48, hex[Int(byte >> 4)], hex[Int(byte & 15)]]
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
