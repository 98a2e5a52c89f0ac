// A JSON reader for rows.jsonl lines: strict RFC 8259 syntax over the raw bytes, the row's fixed fields
// read straight into their Swift types and `metadata` into MetadataValue. Foundation's JSONDecoder spent
// ~35 µs per row (over half of an import's checking pass); this reads a row in a few microseconds.
import Foundation
import GlossaStore

/// Why a line is not a valid row, and the byte offset where that was found.
struct RowJSONProblem: Error {
    let reason: String
}

enum RowJSON {
    /// Parses one line into a BundleRow. Unknown keys are skipped (after checking their syntax).
    static func parse(_ line: UnsafeBufferPointer<UInt8>) throws(RowJSONProblem) -> BundleRow {
        var scanner = Scanner(bytes: line)
        var id: String?, text: String?, title: String?, uuid: String?, documentText: String?
        var chunk: Int64?, start: Int64?, end: Int64?, uid64: Int64?
        var metadata: [String: MetadataValue]?
        scanner.skipSpace()
        try scanner.expect(UInt8(ascii: "{"))
        scanner.skipSpace()
        if scanner.peek() == UInt8(ascii: "}") {
            scanner.i += 1
        } else {
            while true {
                scanner.skipSpace()
                let key = try scanner.string()
                scanner.skipSpace()
                try scanner.expect(UInt8(ascii: ":"))
                scanner.skipSpace()
                func field<T>(_ read: (inout Scanner) throws(RowJSONProblem) -> T) throws(RowJSONProblem) -> T {
                    do { return try read(&scanner) } catch { throw RowJSONProblem(reason: "field '\(key)': \(error.reason)") }
                }
                switch key {
                case "id": id = try field { s throws(RowJSONProblem) in try s.string() }
                case "text": text = try field { s throws(RowJSONProblem) in try s.string() }
                case "uuid": uuid = try field { s throws(RowJSONProblem) in try s.string() }
                case "document_text": documentText = try field { s throws(RowJSONProblem) in try s.string() }
                case "title": title = try field { s throws(RowJSONProblem) in try s.nullOr { s2 throws(RowJSONProblem) in try s2.string() } }
                case "chunk": chunk = try field { s throws(RowJSONProblem) in try s.integer() }
                case "start": start = try field { s throws(RowJSONProblem) in try s.integer() }
                case "end": end = try field { s throws(RowJSONProblem) in try s.integer() }
                case "uid64": uid64 = try field { s throws(RowJSONProblem) in try s.integer() }
                case "metadata":
                    let value = try field { s throws(RowJSONProblem) in try s.value() }
                    switch value {
                    case .object(let object): metadata = object
                    case .null: metadata = nil
                    default: throw RowJSONProblem(reason: "field 'metadata' must be an object")
                    }
                default: _ = try scanner.value()
                }
                scanner.skipSpace()
                guard let next = scanner.next() else { throw RowJSONProblem(reason: "the object is not closed") }
                if next == UInt8(ascii: "}") { break }
                guard next == UInt8(ascii: ",") else { throw RowJSONProblem(reason: "expected ',' or '}' at byte \(scanner.i - 1)") }
            }
        }
        scanner.skipSpace()
        guard scanner.i == line.count else { throw RowJSONProblem(reason: "text after the object at byte \(scanner.i)") }
        guard let id else { throw RowJSONProblem(reason: "missing field 'id'") }
        guard let chunk else { throw RowJSONProblem(reason: "missing field 'chunk'") }
        guard let start else { throw RowJSONProblem(reason: "missing field 'start'") }
        guard let end else { throw RowJSONProblem(reason: "missing field 'end'") }
        guard let text else { throw RowJSONProblem(reason: "missing field 'text'") }
        guard let c = Int(exactly: chunk), let s = Int(exactly: start), let e = Int(exactly: end) else {
            throw RowJSONProblem(reason: "chunk, start or end out of range")
        }
        return BundleRow(id: id, chunk: c, start: s, end: e, text: text, title: title, metadata: metadata,
                         uid64: uid64, uuid: uuid, documentText: documentText)
    }

    struct Scanner {
        let bytes: UnsafeBufferPointer<UInt8>
        var i = 0

        func peek() -> UInt8? { i < bytes.count ? bytes[i] : nil }

        mutating func next() -> UInt8? {
            guard i < bytes.count else { return nil }
            defer { i += 1 }
            return bytes[i]
        }

        mutating func skipSpace() {
            while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x09 || bytes[i] == 0x0a || bytes[i] == 0x0d { i += 1 }
        }

        mutating func expect(_ byte: UInt8) throws(RowJSONProblem) {
            guard next() == byte else {
                throw RowJSONProblem(reason: "expected '\(Character(Unicode.Scalar(byte)))' at byte \(max(0, i - 1))")
            }
        }

        mutating func literal(_ word: String) throws(RowJSONProblem) {
            for byte in word.utf8 { guard next() == byte else { throw RowJSONProblem(reason: "invalid literal at byte \(i)") } }
        }

        mutating func nullOr<T>(_ read: (inout Scanner) throws(RowJSONProblem) -> T) throws(RowJSONProblem) -> T? {
            if peek() == UInt8(ascii: "n") {
                try literal("null")
                return nil
            }
            return try read(&self)
        }

        /// `bytes` as a String when they are valid UTF-8, else nil. `String(validating:as:)` looked up generic
        /// metadata on every call (about 12 % of a 1M-row bundle's checking pass); `String(decoding:as:)` is
        /// specialised and replaces invalid bytes with U+FFFD, so its bytes equal the input's exactly when the
        /// input was valid (a replacement can only reproduce bytes that were a valid U+FFFD already).
        static func validUTF8(_ bytes: UnsafeBufferPointer<UInt8>) -> String? {
            var text = String(decoding: bytes, as: UTF8.self)
            let same = text.withUTF8 { decoded in
                guard decoded.count == bytes.count else { return false }
                guard let a = decoded.baseAddress, let b = bytes.baseAddress else { return true }
                return memcmp(a, b, bytes.count) == 0
            }
            return same ? text : nil
        }

        /// A JSON string; the fast path (no escapes) slices the bytes, which must be valid UTF-8.
        mutating func string() throws(RowJSONProblem) -> String {
            try expect(UInt8(ascii: "\""))
            let begin = i
            while i < bytes.count, bytes[i] != UInt8(ascii: "\""), bytes[i] != UInt8(ascii: "\\"), bytes[i] >= 0x20 { i += 1 }
            guard i < bytes.count else { throw RowJSONProblem(reason: "unterminated string") }
            if bytes[i] == UInt8(ascii: "\"") {
                defer { i += 1 }
                guard let text = Self.validUTF8(UnsafeBufferPointer(rebasing: bytes[begin..<i])) else {
                    throw RowJSONProblem(reason: "a string is not valid UTF-8")
                }
                return text
            }
            var out = Array(bytes[begin..<i])
            while true {
                guard let byte = next() else { throw RowJSONProblem(reason: "unterminated string") }
                switch byte {
                case UInt8(ascii: "\""):
                    guard let text = out.withUnsafeBufferPointer(Self.validUTF8) else {
                        throw RowJSONProblem(reason: "a string is not valid UTF-8")
                    }
                    return text
                case UInt8(ascii: "\\"):
                    guard let escape = next() else { throw RowJSONProblem(reason: "unterminated escape") }
                    switch escape {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(escape)
                    case UInt8(ascii: "b"): out.append(0x08)
                    case UInt8(ascii: "f"): out.append(0x0c)
                    case UInt8(ascii: "n"): out.append(0x0a)
                    case UInt8(ascii: "r"): out.append(0x0d)
                    case UInt8(ascii: "t"): out.append(0x09)
                    case UInt8(ascii: "u"):
                        var scalar = try hex4()
                        if (0xD800..<0xDC00).contains(scalar) {
                            // A surrogate pair: \uD8xx\uDCxx.
                            try literal("\\u")
                            let low = try hex4()
                            guard (0xDC00..<0xE000).contains(low) else { throw RowJSONProblem(reason: "unpaired surrogate") }
                            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                        }
                        guard let unicode = Unicode.Scalar(scalar) else { throw RowJSONProblem(reason: "invalid \\u escape") }
                        out += Array(String(Character(unicode)).utf8)
                    default: throw RowJSONProblem(reason: "invalid escape at byte \(i - 1)")
                    }
                default:
                    guard byte >= 0x20 else { throw RowJSONProblem(reason: "a control character inside a string") }
                    out.append(byte)
                }
            }
        }

        private mutating func hex4() throws(RowJSONProblem) -> UInt32 {
            var value: UInt32 = 0
            for _ in 0..<4 {
                guard let byte = next(), let digit = hexDigit(byte) else { throw RowJSONProblem(reason: "invalid \\u escape") }
                value = value << 4 | digit
            }
            return value
        }

        private func hexDigit(_ byte: UInt8) -> UInt32? {
            switch byte {
            case 0x30...0x39: return UInt32(byte - 0x30)
            case 0x41...0x46: return UInt32(byte - 0x41 + 10)
            case 0x61...0x66: return UInt32(byte - 0x61 + 10)
            default: return nil
            }
        }

        /// A number's text: -?digits(.digits)?([eE][+-]?digits)?; whether it is integral.
        private mutating func numberText() throws(RowJSONProblem) -> (text: Substring, integral: Bool) {
            let begin = i
            var integral = true
            if peek() == UInt8(ascii: "-") { i += 1 }
            func digits(_ s: inout Scanner) -> Int {
                let from = s.i
                while let b = s.peek(), b >= 0x30, b <= 0x39 { s.i += 1 }
                return s.i - from
            }
            let whole = digits(&self)
            guard whole > 0 else { throw RowJSONProblem(reason: "invalid number at byte \(begin)") }
            if whole > 1, bytes[begin + (bytes[begin] == UInt8(ascii: "-") ? 1 : 0)] == 0x30 {
                throw RowJSONProblem(reason: "a number with a leading zero at byte \(begin)")
            }
            if peek() == UInt8(ascii: ".") {
                integral = false
                i += 1
                guard digits(&self) > 0 else { throw RowJSONProblem(reason: "invalid number at byte \(begin)") }
            }
            if peek() == UInt8(ascii: "e") || peek() == UInt8(ascii: "E") {
                integral = false
                i += 1
                if peek() == UInt8(ascii: "+") || peek() == UInt8(ascii: "-") { i += 1 }
                guard digits(&self) > 0 else { throw RowJSONProblem(reason: "invalid number at byte \(begin)") }
            }
            return (Substring(decoding: UnsafeBufferPointer(rebasing: bytes[begin..<i]), as: UTF8.self), integral)
        }

        mutating func integer() throws(RowJSONProblem) -> Int64 {
            let (text, integral) = try numberText()
            guard integral, let value = Int64(text) else { throw RowJSONProblem(reason: "'\(text)' is not a 64-bit integer") }
            return value
        }

        mutating func value() throws(RowJSONProblem) -> MetadataValue {
            skipSpace()
            guard let byte = peek() else { throw RowJSONProblem(reason: "a value is missing") }
            switch byte {
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "t"): try literal("true"); return .bool(true)
            case UInt8(ascii: "f"): try literal("false"); return .bool(false)
            case UInt8(ascii: "n"): try literal("null"); return .null
            case UInt8(ascii: "["):
                i += 1
                var elements: [MetadataValue] = []
                skipSpace()
                if peek() == UInt8(ascii: "]") { i += 1; return .array(elements) }
                while true {
                    elements.append(try value())
                    skipSpace()
                    guard let next = next() else { throw RowJSONProblem(reason: "an array is not closed") }
                    if next == UInt8(ascii: "]") { return .array(elements) }
                    guard next == UInt8(ascii: ",") else { throw RowJSONProblem(reason: "expected ',' or ']' at byte \(i - 1)") }
                }
            case UInt8(ascii: "{"):
                i += 1
                var members: [String: MetadataValue] = [:]
                skipSpace()
                if peek() == UInt8(ascii: "}") { i += 1; return .object(members) }
                while true {
                    skipSpace()
                    let key = try string()
                    skipSpace()
                    try expect(UInt8(ascii: ":"))
                    members[key] = try value()
                    skipSpace()
                    guard let next = next() else { throw RowJSONProblem(reason: "an object is not closed") }
                    if next == UInt8(ascii: "}") { return .object(members) }
                    guard next == UInt8(ascii: ",") else { throw RowJSONProblem(reason: "expected ',' or '}' at byte \(i - 1)") }
                }
            default:
                let (text, _) = try numberText()
                guard let number = Double(text), number.isFinite else { throw RowJSONProblem(reason: "invalid number '\(text)'") }
                return .number(number)
            }
        }
    }
}
