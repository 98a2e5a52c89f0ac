// Reads a text file (or standard input) line by line as raw bytes, with 1-based line numbers,
// so that every input error can say file:line. UTF-8 is validated per line, never assumed.
public import Foundation

/// Errors from reading line-oriented input.
public enum InputError: Error, CustomStringConvertible, Equatable {
    case unreadable(path: String, reason: String)
    case invalidUTF8(path: String, line: Int)
    case malformedLine(path: String, line: Int, field: String, reason: String)
    case lineTooLong(path: String, line: Int, bytes: Int, limit: Int)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason):
            return "Cannot read \(path): \(reason)."
        case .invalidUTF8(let path, let line):
            return "\(path):\(line): the line is not valid UTF-8; re-encode the file as UTF-8."
        case .malformedLine(let path, let line, let field, let reason):
            return "\(path):\(line): field '\(field)': \(reason)."
        case .lineTooLong(let path, let line, let bytes, let limit):
            return "\(path):\(line): the line is \(bytes) bytes, over the limit of \(limit); split the document "
                + "into smaller ones."
        }
    }
}

/// A line of input: its 1-based number and its bytes without the line terminator.
public struct InputLine: Sendable {
    public let number: Int
    /// The line's bytes; empty when the line was over the reader's limit (see `overlongLength`).
    public let bytes: [UInt8]
    /// The full length of a line that was over `LineReader.maxLineBytes` (its bytes were not kept), else nil.
    public let overlongLength: Int?

    public init(number: Int, bytes: [UInt8], overlongLength: Int? = nil) {
        self.number = number
        self.bytes = bytes
        self.overlongLength = overlongLength
    }

    /// The line as a String; throws `InputError.invalidUTF8` naming `path` and the line, or `.lineTooLong`.
    public func text(path: String) throws -> String {
        if let overlongLength {
            throw InputError.lineTooLong(path: path, line: number, bytes: overlongLength, limit: LineReader.maxLineBytes)
        }
        guard let string = String(validating: bytes, as: UTF8.self) else {
            throw InputError.invalidUTF8(path: path, line: number)
        }
        return string
    }
}

/// Streams lines from a file handle in 1 MiB reads. `\n` ends a line; a trailing `\r` is dropped.
///
/// Memory stays bounded whatever the input: a line longer than `maxLineBytes` is not kept (its bytes are
/// counted and dropped as they are read) and comes out with `overlongLength` set, so a 100 MB line costs
/// at most `maxLineBytes` + 1 MiB of buffer. Each byte is scanned for a newline once.
public struct LineReader: Sequence, IteratorProtocol {
    /// The longest line kept: 32 MiB, far above any document worth embedding as one (a long novel is ~3 MB).
    public static let maxLineBytes = 32 << 20

    private let handle: FileHandle
    private var buffer: [UInt8] = []
    /// Start of the current line in `buffer`.
    private var position = 0
    /// How many bytes of `buffer[position...]` are known to hold no newline.
    private var scanned = 0
    /// Bytes of the current line already dropped because it is over the limit.
    private var discarded = 0
    private var atEnd = false
    private var lineNumber = 0

    /// Opens `path`; `-` means standard input.
    public init(path: String) throws {
        if path == "-" {
            handle = FileHandle.standardInput
        } else {
            guard let handle = FileHandle(forReadingAtPath: path) else {
                throw InputError.unreadable(path: path, reason: "no such file, or permission denied")
            }
            self.handle = handle
        }
    }

    public init(handle: FileHandle) { self.handle = handle }

    public mutating func next() -> InputLine? {
        while true {
            if let newline = buffer[(position + scanned)...].firstIndex(of: UInt8(ascii: "\n")) {
                let line = takeLine(upTo: newline)
                position = newline + 1
                return line
            }
            scanned = buffer.count - position
            if atEnd {
                guard position < buffer.count || discarded > 0 else { return nil }
                let line = takeLine(upTo: buffer.count)
                position = buffer.count
                return line
            }
            if discarded + scanned > Self.maxLineBytes {
                // Over the limit: only the length matters from here on.
                discarded += scanned
                buffer.removeAll(keepingCapacity: true)
                position = 0
                scanned = 0
            } else if position > 0 {
                buffer.removeFirst(position)
                position = 0
            }
            let chunk = handle.readData(ofLength: 1 << 20)
            if chunk.isEmpty { atEnd = true }
            buffer.append(contentsOf: chunk)
        }
    }

    /// The line from `position` to `end` (exclusive), numbered; resets the per-line counters.
    private mutating func takeLine(upTo end: Int) -> InputLine {
        lineNumber += 1
        let length = discarded + (end - position)
        discarded = 0
        scanned = 0
        if length > Self.maxLineBytes { return InputLine(number: lineNumber, bytes: [], overlongLength: length) }
        var line = Array(buffer[position..<end])
        if line.last == UInt8(ascii: "\r") { line.removeLast() }
        return InputLine(number: lineNumber, bytes: line)
    }
}
