// The one error type of GlossaServer. Every error a route throws becomes a JSON body in OpenAI's shape,
// {"error": {"message", "type", "param", "code"}}, on every route (not only /v1/embeddings), so a client
// needs one error parser; `param` names the offending field (`documents[3].text`, `k`, `input[7]`).
import Foundation
import GlossaCollection
import GlossaSearch
public import HTTPTypes
public import Hummingbird
import NIOCore

/// Errors the server reports to clients. `description` is the message sent.
public enum ServerError: Error, CustomStringConvertible, Sendable {
    /// The body is not JSON, a field has the wrong type or an invalid value (400).
    case badRequest(param: String?, message: String)
    /// Valid JSON whose values the server will not process: too many inputs, unknown dimensions (422).
    case unprocessable(param: String?, message: String)
    /// No or wrong API key (401).
    case unauthorized
    /// The key is read-only and the route writes (403).
    case forbidden(String)
    /// An unknown route, collection or document (404).
    case notFound(String)
    /// A known route asked with a method it does not take (405, with `Allow`).
    case methodNotAllowed(allowed: String)
    /// A collection of that name exists already (409).
    case conflict(String)
    /// The collection is open read-only (its folder cannot be written, or another process writes it) (409).
    case readOnlyCollection(String)
    /// The body is larger than `--max-body-bytes` (413).
    case bodyTooLarge(limit: Int)
    /// The body did not arrive within the read timeout (408).
    case readTimeout(seconds: Double)
    /// The encoder's queue is full: retry after `retryAfter` seconds (429).
    case queueFull(retryAfter: Int)
    /// The server is starting or stopping (503).
    case unavailable(String)
    /// The request's deadline passed before its work ran (504).
    case deadlineExceeded(seconds: Double)
    /// A failure inside Glossa (500): the message is the library error's description.
    case internalFailure(String)

    public var description: String {
        switch self {
        case .badRequest(_, let message), .unprocessable(_, let message): return message
        case .unauthorized:
            return "Missing or wrong API key: send 'Authorization: Bearer <key>' with the key the server was given."
        case .forbidden(let message), .notFound(let message), .conflict(let message), .unavailable(let message),
            .internalFailure(let message):
            return message
        case .methodNotAllowed(let allowed):
            return "This route takes \(allowed) only; GET /openapi.json lists the routes."
        case .readOnlyCollection(let name):
            return "The collection '\(name)' is open read-only (its folder is not writable, or another glossa "
                + "process holds its write lock); writes are refused, searches work."
        case .bodyTooLarge(let limit):
            return "The request body is larger than the server's limit of \(limit) bytes; send smaller batches "
                + "(GET /info gives the limits)."
        case .readTimeout(let seconds):
            return String(format: "The request body did not arrive within %.0f s; the server stopped waiting.", seconds)
        case .queueFull(let seconds):
            return "The server's encoding queue is full; retry in \(seconds) s (see the Retry-After header)."
        case .deadlineExceeded(let seconds):
            return String(format: "The request's work did not start within its %.0f s deadline; it was dropped.",
                          seconds)
        }
    }

    public var status: HTTPResponse.Status {
        switch self {
        case .badRequest: return .badRequest
        case .unprocessable: return .unprocessableContent
        case .unauthorized: return .unauthorized
        case .forbidden: return .forbidden
        case .notFound: return .notFound
        case .methodNotAllowed: return .methodNotAllowed
        case .conflict, .readOnlyCollection: return .conflict
        case .bodyTooLarge: return .contentTooLarge
        case .readTimeout: return .requestTimeout
        case .queueFull: return .tooManyRequests
        case .unavailable: return .serviceUnavailable
        case .deadlineExceeded: return .gatewayTimeout
        case .internalFailure: return .internalServerError
        }
    }

    /// OpenAI's `type` field.
    var type: String {
        switch self {
        case .badRequest, .unprocessable, .bodyTooLarge, .readTimeout: return "invalid_request_error"
        case .unauthorized: return "authentication_error"
        case .forbidden: return "permission_error"
        case .notFound: return "not_found_error"
        case .methodNotAllowed: return "invalid_request_error"
        case .conflict, .readOnlyCollection: return "conflict_error"
        case .queueFull: return "rate_limit_error"
        case .unavailable, .deadlineExceeded: return "server_error"
        case .internalFailure: return "server_error"
        }
    }

    var param: String? {
        switch self {
        case .badRequest(let param, _), .unprocessable(let param, _): return param
        default: return nil
        }
    }

    /// OpenAI's machine-readable `code`.
    var code: String? {
        switch self {
        case .badRequest: return "invalid_value"
        case .unprocessable: return "unprocessable"
        case .unauthorized: return "invalid_api_key"
        case .forbidden: return "read_only_key"
        case .notFound: return "not_found"
        case .methodNotAllowed: return "method_not_allowed"
        case .conflict: return "already_exists"
        case .readOnlyCollection: return "read_only_collection"
        case .bodyTooLarge: return "body_too_large"
        case .readTimeout: return "read_timeout"
        case .queueFull: return "queue_full"
        case .unavailable: return "unavailable"
        case .deadlineExceeded: return "deadline_exceeded"
        case .internalFailure: return "internal_error"
        }
    }

    /// The JSON error body.
    var body: [String: Any] {
        var error: [String: Any] = ["message": description, "type": type]
        error["param"] = param ?? NSNull()
        error["code"] = code ?? NSNull()
        return ["error": error]
    }
}

extension ServerError: HTTPResponseError {
    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers: HTTPFields = [.contentType: "application/json; charset=utf-8"]
        if case .queueFull(let seconds) = self { headers[.retryAfter] = String(seconds) }
        if case .unauthorized = self { headers[.wwwAuthenticate] = "Bearer" }
        if case .methodNotAllowed(let allowed) = self { headers[.allow] = allowed }
        let data = (try? JSONSerialization.data(withJSONObject: body, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
        // `try?` above: the body holds only strings and nulls, which always serialise.
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }
}

extension ServerError {
    /// Any error as the server reports it: Glossa's own errors keep their message and get a fitting status.
    static func from(_ error: any Error, maxBodyBytes: Int) -> ServerError {
        switch error {
        case let error as ServerError: return error
        case is NIOTooManyBytesError: return .bodyTooLarge(limit: maxBodyBytes)
        // The request asked for something the collection cannot give (e.g. lexical search before its index is
        // built): the caller's to fix, with Glossa's own message.
        case let error as SearchError: return .badRequest(param: nil, message: error.description)
        case let error as IngestError:
            switch error {
            case .badInput, .invalidOption, .settingMismatch, .modelMismatch:
                return .badRequest(param: nil, message: error.description)
            default: return .internalFailure(error.description)
            }
        case let error as HTTPError:
            switch error.status {
            case .notFound: return .notFound(error.body ?? "No such route; GET /openapi.json lists the routes.")
            case .methodNotAllowed: return .notFound(error.body ?? "That method is not allowed on this route.")
            case .contentTooLarge: return .bodyTooLarge(limit: maxBodyBytes)
            case .unauthorized: return .unauthorized
            default:
                if (400..<500).contains(error.status.code) {
                    return .badRequest(param: nil, message: error.body ?? error.status.reasonPhrase)
                }
                return .internalFailure(error.body ?? error.status.reasonPhrase)
            }
        default: return .internalFailure(String(describing: error))
        }
    }
}
