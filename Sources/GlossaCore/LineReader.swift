// Reads a text file (or standard input) line by line as raw bytes, with 1-based line numbers,
// so that every input error can say file:line. UTF-8 is validated per line, never assumed.
public import Foundation

/// Errors from reading line-oriented input.
public enum InputError: Error, CustomStringConvertible, Equatable {
    case unreadable(path: String, reason: String)
    case invalidUTF8(path: String, line: Int)
    case malformedLine(path: String, line: Int, field: String, reason: String)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason):
            return "Cannot read \(path): \(reason)."
        case .invalidUTF8(let path, let line):
            return "\(path):\(line): the line is not valid UTF-8; re-encode the file as UTF-8."
        case .malformedLine(let path, let line, let field, let reason):
            return "\(path):\(line): field '\(field)': \(reason)."
        }
    }
}

/// A line of input: its 1-based number and its bytes without the line terminator.
public struct InputLine: Sendable {
    public let number: Int
    public let bytes: [UInt8]

    /// The line as a String; throws `InputError.invalidUTF8` naming `path` and the line.
    public func text(path: String) throws -> String {
        guard let string = String(validating: bytes, as: UTF8.self) else {
            throw InputError.invalidUTF8(path: path, line: number)
        }
        return string
    }
}

/// Streams lines from a file handle in 1 MiB reads. `\n` ends a line; a trailing `\r` is dropped.
public struct LineReader: Sequence, IteratorProtocol {
    private let handle: FileHandle
    private var buffer: [UInt8] = []
    private var position = 0
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
            if let newline = buffer[position...].firstIndex(of: UInt8(ascii: "\n")) {
                var line = Array(buffer[position..<newline])
                position = newline + 1
                if line.last == UInt8(ascii: "\r") { line.removeLast() }
                lineNumber += 1
                return InputLine(number: lineNumber, bytes: line)
            }
            if atEnd {
                guard position < buffer.count else { return nil }
                var line = Array(buffer[position...])
                position = buffer.count
                if line.last == UInt8(ascii: "\r") { line.removeLast() }
                lineNumber += 1
                return InputLine(number: lineNumber, bytes: line)
            }
            let chunk = handle.readData(ofLength: 1 << 20)
            if chunk.isEmpty { atEnd = true }
            buffer.removeFirst(position)
            position = 0
            buffer.append(contentsOf: chunk)
        }
    }
}
