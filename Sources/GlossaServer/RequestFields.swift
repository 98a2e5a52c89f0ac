// Reading a JSON request body field by field, so that every wrong type or value is refused with the
// field's name (`param` in the error body): `k must be an integer in 1...10000`, not "bad request".
// Values decode exactly as document metadata does (bool stays bool, numbers are numbers).
import Foundation
import GlossaStore
import NIOCore

/// A JSON object from a request, with the path of the object inside the body (for error messages).
struct RequestFields {
    let object: [String: MetadataValue]
    /// "" for the body itself, `documents[3]` for a nested object.
    let path: String

    /// The body as a JSON object.
    /// - Throws: `ServerError.badRequest` when it is empty, not JSON or not an object.
    init(body: ByteBuffer) throws {
        guard body.readableBytes > 0 else {
            throw ServerError.badRequest(param: nil, message: "The request body is empty; send a JSON object.")
        }
        let data = Data(body.readableBytesView)
        let opensObject = data.first { !Self.jsonWhitespace.contains($0) } == UInt8(ascii: "{")
        do {
            object = try JSONDecoder().decode([String: MetadataValue].self, from: data)
        } catch DecodingError.typeMismatch, DecodingError.valueNotFound {
            guard opensObject else {
                throw ServerError.badRequest(param: nil, message: "The request body is JSON but not an object.")
            }
            // An object whose values no JSON type accepts: in practice an escape that is not text, such as
            // an unpaired UTF-16 surrogate ("\ud800").
            throw ServerError.badRequest(param: nil, message:
                "The request body holds a value that is not valid JSON text (for example an unpaired "
                + "surrogate escape such as \\ud800); send UTF-8 text.")
        } catch {
            throw ServerError.badRequest(param: nil, message: "The request body is not valid JSON (\(Self.reason(error))).")
        }
        path = ""
    }

    init(object: [String: MetadataValue], path: String) {
        self.object = object
        self.path = path
    }

    func name(_ key: String) -> String { path.isEmpty ? key : path + "." + key }

    func bad(_ key: String, _ reason: String) -> ServerError {
        .badRequest(param: name(key), message: "Field '\(name(key))' \(reason).")
    }

    /// nil when absent or null.
    func value(_ key: String) -> MetadataValue? {
        switch object[key] {
        case .none, .some(.null): return nil
        case .some(let value): return value
        }
    }

    func string(_ key: String) throws -> String? {
        guard let value = value(key) else { return nil }
        guard case .string(let text) = value else { throw bad(key, "must be a string") }
        return text
    }

    func requiredString(_ key: String) throws -> String {
        guard let text = try string(key) else { throw bad(key, "is required") }
        return text
    }

    func int(_ key: String, in range: ClosedRange<Int>) throws -> Int? {
        guard let value = value(key) else { return nil }
        guard case .number(let number) = value, number.rounded() == number, let int = Int(exactly: number) else {
            throw bad(key, "must be an integer")
        }
        guard range.contains(int) else {
            throw bad(key, "must be in \(range.lowerBound)...\(range.upperBound), not \(int)")
        }
        return int
    }

    func object(_ key: String) throws -> [String: MetadataValue]? {
        guard let value = value(key) else { return nil }
        guard case .object(let object) = value else { throw bad(key, "must be a JSON object") }
        return object
    }

    func array(_ key: String) throws -> [MetadataValue]? {
        guard let value = value(key) else { return nil }
        guard case .array(let items) = value else { throw bad(key, "must be an array") }
        return items
    }

    /// Rejects keys the route does not know (a typo such as "querry" would otherwise be silently ignored).
    func rejectUnknown(allowed: Set<String>) throws {
        if let unknown = object.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw ServerError.badRequest(param: name(unknown), message:
                "Unknown field '\(name(unknown))'; this route takes \(allowed.sorted().joined(separator: ", ")).")
        }
    }

    private static let jsonWhitespace: Set<UInt8> = [0x20, 0x09, 0x0A, 0x0D]

    private static func reason(_ error: any Error) -> String {
        if case DecodingError.dataCorrupted(let context) = error {
            return (context.underlyingError.map { "\($0)" } ?? context.debugDescription)
                .replacingOccurrences(of: "\n", with: " ")
        }
        return "\(error)"
    }
}
