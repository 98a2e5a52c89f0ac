// JSON values for document metadata: decoded exactly (bool stays bool, 1 stays a number) and
// flattened into (key, value) text entries so that `--filter key=value` is an exact SQL lookup.
import Foundation

/// A JSON value as found in a document's `metadata` object.
public enum MetadataValue: Codable, Hashable, Sendable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([MetadataValue])
    case object([String: MetadataValue])

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            // `try?` is safe here: a type mismatch only means "try the next JSON type".
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([MetadataValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: MetadataValue].self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .number(let value):
            // Integral numbers are written without ".0" so that ids and years round-trip as typed.
            if value.rounded() == value, abs(value) < 9e15 { try container.encode(Int64(value)) } else {
                try container.encode(value)
            }
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }

    /// The text a filter value is compared with: strings as they are, numbers without a trailing
    /// ".0" when integral, booleans as `true`/`false`; nil for null, arrays and objects.
    public var filterText: String? {
        switch self {
        case .string(let value): return value
        case .bool(let value): return value ? "true" : "false"
        case .number(let value):
            if value.rounded() == value, abs(value) < 9e15 { return String(Int64(value)) }
            return String(value)
        case .null, .array, .object: return nil
        }
    }

    /// Flattens a metadata object into filterable (key, value) pairs: nested objects use dotted
    /// keys (`source.name`), arrays contribute one pair per scalar element (`tags=a`, `tags=b`).
    public static func filterEntries(_ object: [String: MetadataValue]) -> [(key: String, value: String)] {
        var entries: [(key: String, value: String)] = []
        func walk(_ key: String, _ value: MetadataValue) {
            switch value {
            case .object(let members):
                for (name, member) in members.sorted(by: { $0.key < $1.key }) { walk(key + "." + name, member) }
            case .array(let elements):
                for element in elements { walk(key, element) }
            default:
                if let text = value.filterText { entries.append((key, text)) }
            }
        }
        for (key, value) in object.sorted(by: { $0.key < $1.key }) { walk(key, value) }
        return entries
    }

    /// Canonical JSON text of a metadata object (sorted keys), as stored in the database.
    public static func canonicalJSON(_ object: [String: MetadataValue]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding an in-memory enum of finite values cannot fail; fall back to "{}" defensively.
        guard let data = try? encoder.encode(object), let text = String(data: data, encoding: .utf8) else {
            return "{}"
        }
        return text
    }

    /// Parses stored metadata JSON text back into an object.
    public static func parseObject(_ text: String) throws -> [String: MetadataValue] {
        try JSONDecoder().decode([String: MetadataValue].self, from: Data(text.utf8))
    }
}
