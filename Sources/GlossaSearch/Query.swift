// Queries, metadata filters and hits: the values that cross the search API (CLI, eval, server).
import Foundation
public import GlossaStore
import GlossaCore

/// A query with its id (BEIR `_id`; for a single command-line query the id is "q").
public struct Query: Sendable, Hashable {
    public var id: String
    public var text: String
    public init(id: String, text: String) {
        self.id = id
        self.text = text
    }

    /// Reads a BEIR queries file (`{"_id": …, "text": …}` per line; `id` also accepted), in file order.
    /// - Throws: `SearchError.badQueryLine` naming file:line and the field for the first bad line.
    public static func read(path: String) throws -> [Query] {
        var queries: [Query] = []
        let reader: LineReader
        do { reader = try LineReader(path: path) } catch {
            throw SearchError.badQueryLine(file: path, line: 0, field: nil, reason: "\(error)")
        }
        for line in reader {
            if let length = line.overlongLength {
                throw SearchError.badQueryLine(file: path, line: line.number, field: nil, reason:
                    "the line is \(length) bytes, over the limit of \(LineReader.maxLineBytes)")
            }
            guard let text = String(validating: line.bytes, as: UTF8.self) else {
                throw SearchError.badQueryLine(file: path, line: line.number, field: nil, reason: "not valid UTF-8")
            }
            if text.allSatisfy(\.isWhitespace) { continue }
            let object: [String: MetadataValue]
            do {
                object = try JSONDecoder().decode([String: MetadataValue].self, from: Data(text.utf8))
            } catch {
                throw SearchError.badQueryLine(file: path, line: line.number, field: nil, reason: "not a JSON object")
            }
            guard let id = (object["_id"] ?? object["id"])?.filterText, !id.isEmpty else {
                throw SearchError.badQueryLine(file: path, line: line.number, field: "_id", reason: "missing")
            }
            guard case .string(let body)? = object["text"], !body.allSatisfy(\.isWhitespace) else {
                throw SearchError.badQueryLine(file: path, line: line.number, field: "text", reason: "missing or empty")
            }
            queries.append(Query(id: id, text: body))
        }
        return queries
    }
}

/// `key=value`: a document matches when its flattened metadata has exactly this pair
/// (see `MetadataValue.filterEntries`: dotted keys for nested objects, one pair per array element).
public struct MetadataFilter: Sendable, Hashable, CustomStringConvertible {
    public var key: String
    public var value: String
    public init(key: String, value: String) {
        self.key = key
        self.value = value
    }

    /// Parses `key=value` (the value may contain `=`).
    public init(parsing text: String) throws {
        guard let equals = text.firstIndex(of: "="), equals != text.startIndex else {
            throw SearchError.invalidFilter(text)
        }
        // A NUL would end the SQL-bound text early and match a different key or value; refuse it.
        guard !text.utf8.contains(0) else { throw SearchError.filterHasNUL(text) }
        key = String(text[..<equals])
        value = String(text[text.index(after: equals)...])
    }

    public var description: String { key + "=" + value }

    /// Whether a document's metadata matches every filter in `filters`.
    public static func matches(_ filters: [MetadataFilter], metadata: [String: MetadataValue]) -> Bool {
        let entries = MetadataValue.filterEntries(metadata)
        return filters.allSatisfy { filter in entries.contains { $0.key == filter.key && $0.value == filter.value } }
    }
}

/// One ranked document: its best chunk's score and text.
public struct Hit: Sendable, Codable, Equatable {
    /// The chunk's UTF-8 byte span in the document text.
    public struct Span: Sendable, Codable, Equatable {
        public var start: Int
        public var end: Int
    }
    /// The document's external id.
    public var id: String
    /// Inner product of the query and the best chunk (cosine similarity; higher is better).
    public var score: Float
    public var title: String?
    /// The best chunk's text.
    public var text: String
    public var metadata: [String: MetadataValue]
    public var chunk: Span
    /// The chunk row id (internal; not part of the JSON output).
    public var chunkID: Int64

    enum CodingKeys: String, CodingKey { case id, score, title, text, metadata, chunk }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        score = try container.decode(Float.self, forKey: .score)
        title = try container.decodeIfPresent(String.self, forKey: .title)
        text = try container.decode(String.self, forKey: .text)
        metadata = try container.decode([String: MetadataValue].self, forKey: .metadata)
        chunk = try container.decode(Span.self, forKey: .chunk)
        chunkID = -1
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(score, forKey: .score)
        // null rather than absent, so every hit has the same keys.
        try container.encode(title, forKey: .title)
        try container.encode(text, forKey: .text)
        try container.encode(metadata, forKey: .metadata)
        try container.encode(chunk, forKey: .chunk)
    }

    init(id: String, score: Float, title: String?, text: String, metadata: [String: MetadataValue], chunk: Span,
         chunkID: Int64) {
        self.id = id
        self.score = score
        self.title = title
        self.text = text
        self.metadata = metadata
        self.chunk = chunk
        self.chunkID = chunkID
    }
}
