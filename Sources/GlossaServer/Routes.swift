// The route table and what every handler shares: reading a bounded body, writing JSON, choosing a lane.
// Each handler parses its input, calls one library function and formats the output (STYLE.md rule 4).
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

enum Routes {
    static func add(to router: Router<BasicRequestContext>, state: ServerState) {
        SystemRoutes(state: state).add(to: router)
        CollectionRoutes(state: state).add(to: router)
        SearchRoute(state: state).add(to: router)
        EmbeddingRoute(state: state).add(to: router)
    }

    /// The body, refused with 413 past `limit` (from Content-Length before reading, else while reading) and
    /// with 408 when it has not fully arrived within `timeout` (a client trickling bytes holds no handler).
    static func body(of request: Request, limit: Int, timeout: Duration) async throws -> ByteBuffer {
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > limit {
            throw ServerError.bodyTooLarge(limit: limit)
        }
        let body = request.body
        return try await withThrowingTaskGroup(of: ByteBuffer.self) { group in
            group.addTask {
                do {
                    return try await body.collect(upTo: limit)
                } catch is NIOTooManyBytesError {
                    throw ServerError.bodyTooLarge(limit: limit)
                }
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                throw ServerError.readTimeout(seconds: EmbeddingScheduler.seconds(timeout))
            }
            defer { group.cancelAll() }
            // The first to finish wins: the body, or the timer's error.
            guard let first = try await group.next() else { throw ServerError.readTimeout(seconds: 0) }
            return first
        }
    }

    /// `value` as a JSON response (sorted keys, so responses are stable byte for byte).
    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return raw(try encoder.encode(value), status: status)
    }

    /// A JSON object built from Foundation values (dictionaries, arrays, strings, numbers, NSNull).
    static func json(object: Any, status: HTTPResponse.Status = .ok) throws -> Response {
        raw(try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]),
            status: status)
    }

    static func raw(_ data: some Sequence<UInt8>, status: HTTPResponse.Status = .ok,
                    contentType: String = "application/json; charset=utf-8") -> Response {
        Response(status: status, headers: [.contentType: contentType],
                 body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func text(_ text: String, contentType: String) -> Response {
        raw(Array(text.utf8), contentType: contentType)
    }

    /// A path parameter, percent-decoded (document ids may hold any character, `/` included, when encoded).
    static func parameter(_ name: String, _ context: BasicRequestContext) throws -> String {
        let raw = try context.parameters.require(name)
        guard let decoded = raw.removingPercentEncoding else {
            throw ServerError.badRequest(param: name, message: "The \(name) in the path is not valid percent-encoding.")
        }
        return decoded
    }
}

extension ServerState {
    /// The request's JSON body within the server's size and time limits.
    func body(of request: Request) async throws -> ByteBuffer {
        try await Routes.body(of: request, limit: configuration.maxBodyBytes, timeout: configuration.readTimeout)
    }

    /// Small requests are interactive; large ones wait behind them in the bulk lane.
    func lane(forInputs count: Int) -> Lane {
        count <= configuration.interactiveMaxInputs ? .interactive : .bulk
    }

    /// Refuses more inputs than one request may carry (422, as OpenAI's limit).
    func checkInputCount(_ count: Int, param: String) throws {
        guard count <= configuration.maxInputs else {
            throw ServerError.unprocessable(param: param, message:
                "'\(param)' has \(count) items; at most \(configuration.maxInputs) are accepted per request.")
        }
    }

    func collectionRoutesReady() throws {
        guard isReady else { throw ServerError.unavailable("The server is still starting; retry when GET /ready is 200.") }
    }
}
