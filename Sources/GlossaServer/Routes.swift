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

    /// The body, refused with 413 past `limit` (from Content-Length before reading, else while reading).
    static func body(of request: Request, limit: Int) async throws -> ByteBuffer {
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > limit {
            throw ServerError.bodyTooLarge(limit: limit)
        }
        do {
            return try await request.body.collect(upTo: limit)
        } catch is NIOTooManyBytesError {
            throw ServerError.bodyTooLarge(limit: limit)
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
