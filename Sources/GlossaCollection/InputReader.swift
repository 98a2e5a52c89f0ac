// Reading documents from the input formats `glossa index` accepts: JSON Lines (Glossa's own
// {"id","text","title"?,"metadata"?} and BEIR's {"_id","title","text"}), TSV (id<TAB>text[<TAB>title])
// and folders of .txt/.md files (id = relative path). Problems are reported per file:line, never fatal here.
import Foundation
public import GlossaStore
import GlossaCore

/// One document read from an input, with where it came from.
public struct InputDocument: Sendable {
    public var id: String
    public var title: String?
    public var text: String
    public var metadata: [String: MetadataValue]
    /// The input file and 1-based line (nil for whole-file inputs).
    public var file: String
    public var line: Int?
}

/// The input formats, chosen from the path: a folder, `*.tsv`, anything else is JSON Lines.
public enum InputFormat: Sendable, Equatable {
    case jsonLines, tsv, folder

    public static func of(path: String) throws -> InputFormat {
        var isDirectory: ObjCBool = false
        guard path == "-" || FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw IngestError.unreadableInput(path: path, reason: "no such file or folder")
        }
        if isDirectory.boolValue { return .folder }
        return path.lowercased().hasSuffix(".tsv") ? .tsv : .jsonLines
    }
}

/// Streams the documents of one input path. Each item is either a document or a `badInput` error
/// naming file, line and field; the caller decides whether to skip it or stop (`--strict`).
public enum InputReader {
    public static func read(path: String, _ body: (Result<InputDocument, IngestError>) throws -> Void) throws {
        switch try InputFormat.of(path: path) {
        case .jsonLines: try readLines(path: path) { line, text in jsonDocument(text, file: path, line: line) } body: { try body($0) }
        case .tsv: try readLines(path: path) { line, text in tsvDocument(text, file: path, line: line) } body: { try body($0) }
        case .folder: try readFolder(path: path, body)
        }
    }

    private static func readLines(
        path: String, parse: (Int, String) -> Result<InputDocument, IngestError>?,
        body: (Result<InputDocument, IngestError>) throws -> Void
    ) throws {
        let reader: LineReader
        do { reader = try LineReader(path: path) } catch {
            throw IngestError.unreadableInput(path: path, reason: "\(error)")
        }
        for line in reader {
            if let length = line.overlongLength {
                try body(.failure(.badInput(file: path, line: line.number, field: nil, reason:
                    "the line is \(length) bytes, over the limit of \(LineReader.maxLineBytes); split the document")))
                continue
            }
            guard let text = String(validating: line.bytes, as: UTF8.self) else {
                try body(.failure(.badInput(file: path, line: line.number, field: nil, reason: "the line is not valid UTF-8")))
                continue
            }
            if text.allSatisfy(\.isWhitespace) { continue }
            if let result = parse(line.number, text) { try body(result) }
        }
    }

    static func jsonDocument(_ text: String, file: String, line: Int) -> Result<InputDocument, IngestError> {
        func bad(_ field: String?, _ reason: String) -> Result<InputDocument, IngestError> {
            .failure(.badInput(file: file, line: line, field: field, reason: reason))
        }
        let object: [String: MetadataValue]
        do {
            object = try JSONDecoder().decode([String: MetadataValue].self, from: Data(text.utf8))
        } catch {
            return bad(nil, "not a JSON object (\(Self.jsonReason(error)))")
        }
        return document(object, file: file, line: line)
    }

    /// The document described by one decoded JSON object (`id` or `_id`, `text`, `title`?, `metadata`?),
    /// or a `badInput` naming `file`, `line` and the field: the rules of a JSON Lines corpus, shared with
    /// the server's document route.
    public static func document(_ object: [String: MetadataValue], file: String, line: Int?)
        -> Result<InputDocument, IngestError>
    {
        func bad(_ field: String?, _ reason: String) -> Result<InputDocument, IngestError> {
            .failure(.badInput(file: file, line: line, field: field, reason: reason))
        }
        let idKey = object["id"] != nil ? "id" : "_id"
        guard let idValue = object[idKey] else { return bad("id", "missing (expected \"id\" or \"_id\")") }
        guard case .some(let id) = idValue.filterText, !id.isEmpty, !idValue.isBool else {
            return bad(idKey, "must be a non-empty string or a number")
        }
        guard let textValue = object["text"] else { return bad("text", "missing") }
        guard case .string(let body) = textValue else { return bad("text", "must be a string") }
        var title: String?
        switch object["title"] {
        case .none, .some(.null): title = nil
        case .some(.string(let value)): title = value.isEmpty ? nil : value
        case .some: return bad("title", "must be a string")
        }
        var metadata: [String: MetadataValue] = [:]
        switch object["metadata"] {
        case .none, .some(.null): break
        case .some(.object(let value)): metadata = value
        case .some: return bad("metadata", "must be a JSON object")
        }
        if body.allSatisfy(\.isWhitespace) { return bad("text", "empty document") }
        // SQLite text bound from Swift ends at the first NUL, so "a\0b" would be stored as "a": refuse it instead.
        if let field = nulField(id: id, title: title, text: body, metadata: metadata) {
            return bad(field, Self.nulReason)
        }
        return .success(InputDocument(id: id, title: title, text: body, metadata: metadata, file: file, line: line))
    }

    static func tsvDocument(_ text: String, file: String, line: Int) -> Result<InputDocument, IngestError>? {
        let fields = text.split(separator: "\t", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
        // A header line ("id<TAB>text") is skipped.
        if line == 1, let first = fields.first?.lowercased(), first == "id" || first == "_id" { return nil }
        guard fields.count >= 2 else {
            return .failure(.badInput(file: file, line: line, field: "text", reason: "missing (expected id<TAB>text)"))
        }
        guard !fields[0].isEmpty else { return .failure(.badInput(file: file, line: line, field: "id", reason: "empty")) }
        guard !fields[1].allSatisfy(\.isWhitespace) else {
            return .failure(.badInput(file: file, line: line, field: "text", reason: "empty document"))
        }
        let title = fields.count > 2 && !fields[2].isEmpty ? fields[2] : nil
        if let field = nulField(id: fields[0], title: title, text: fields[1], metadata: [:]) {
            return .failure(.badInput(file: file, line: line, field: field, reason: nulReason))
        }
        return .success(InputDocument(id: fields[0], title: title, text: fields[1], metadata: [:], file: file, line: line))
    }

    private static func readFolder(path: String, _ body: (Result<InputDocument, IngestError>) throws -> Void) throws {
        let root = URL(fileURLWithPath: path).standardizedFileURL
        guard let enumerator = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil) else {
            throw IngestError.unreadableInput(path: path, reason: "cannot list the folder")
        }
        var files: [String] = []
        let prefix = root.path.hasSuffix("/") ? root.path : root.path + "/"
        for case let url as URL in enumerator {
            let ext = url.pathExtension.lowercased()
            guard ext == "txt" || ext == "md" else { continue }
            let full = url.standardizedFileURL.path
            files.append(full.hasPrefix(prefix) ? String(full.dropFirst(prefix.count)) : url.lastPathComponent)
        }
        for relative in files.sorted() {
            let file = prefix + relative
            // The same bound as a JSON Lines line, checked before the file is read into memory. (`try?`: an
            // unreadable file is reported by the read below.)
            let size = (try? FileManager.default.attributesOfItem(atPath: file)[.size] as? Int) ?? 0
            // Foundation's contents(atPath:) leaks its 4 KiB buffer on an empty file (found by FuzzCorpus), and
            // there is nothing to read anyway.
            if size == 0, FileManager.default.isReadableFile(atPath: file) {
                try body(.failure(.badInput(file: file, line: nil, field: "text", reason: "empty document")))
                continue
            }
            guard size <= LineReader.maxLineBytes else {
                try body(.failure(.badInput(file: file, line: nil, field: nil, reason:
                    "the file is \(size) bytes, over the limit of \(LineReader.maxLineBytes); split it")))
                continue
            }
            guard let data = FileManager.default.contents(atPath: file) else {
                try body(.failure(.badInput(file: file, line: nil, field: nil, reason: "cannot read the file")))
                continue
            }
            guard let text = String(validating: data, as: UTF8.self) else {
                try body(.failure(.badInput(file: file, line: nil, field: nil, reason: "the file is not valid UTF-8")))
                continue
            }
            if text.allSatisfy(\.isWhitespace) {
                try body(.failure(.badInput(file: file, line: nil, field: "text", reason: "empty document")))
                continue
            }
            if text.utf8.contains(0) {
                try body(.failure(.badInput(file: file, line: nil, field: "text", reason: nulReason)))
                continue
            }
            try body(.success(InputDocument(id: relative, title: nil, text: text, metadata: [:], file: file, line: nil)))
        }
    }

    static let nulReason = "contains a NUL character (U+0000), which glossa cannot store; remove it"

    /// The first field holding U+0000: id, title, text, or a metadata key or string value (as `metadata.key`).
    static func nulField(id: String, title: String?, text: String, metadata: [String: MetadataValue]) -> String? {
        if id.containsNUL { return "id" }
        if title?.containsNUL == true { return "title" }
        if text.containsNUL { return "text" }
        for entry in MetadataValue.filterEntries(metadata) where entry.key.containsNUL || entry.value.containsNUL {
            return "metadata." + entry.key.replacingOccurrences(of: "\u{0}", with: "\\u0000")
        }
        return nil
    }

    private static func jsonReason(_ error: any Error) -> String {
        if case DecodingError.dataCorrupted(let context) = error {
            return (context.underlyingError.map { "\($0)" } ?? context.debugDescription)
                .replacingOccurrences(of: "\n", with: " ")
        }
        if case DecodingError.typeMismatch = error { return "the line is JSON but not an object" }
        return "\(error)"
    }
}

extension MetadataValue {
    fileprivate var isBool: Bool { if case .bool = self { return true } else { return false } }
}

extension String {
    /// Whether the UTF-8 bytes hold a 0 (memchr: every bundle row checks its texts, so this is on import's path).
    var containsNUL: Bool {
        var text = self
        return text.withUTF8 { bytes in
            guard let base = bytes.baseAddress else { return false }
            return memchr(base, 0, bytes.count) != nil
        }
    }
}
