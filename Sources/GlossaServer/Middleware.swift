// The two middlewares every route runs through: the outcome of a request (any error becomes an
// OpenAI-shaped JSON body; every request is counted and timed by route and status), then the API keys.
import Foundation
import HTTPTypes
import Hummingbird

/// Turns thrown errors into JSON error responses and records each request in the metrics.
struct RequestOutcomeMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: ServerMetrics
    let maxBodyBytes: Int

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        let started = ContinuousClock.now
        let response: Response
        do {
            response = try await next(request, context)
        } catch {
            let serverError = ServerError.from(error, maxBodyBytes: maxBodyBytes)
            response = try serverError.response(from: request, context: context)
        }
        metrics.recordRequest(route: context.endpointPath ?? "unmatched", method: request.method.rawValue,
                              status: response.status.code, duration: ContinuousClock.now - started)
        return response
    }
}

/// Bearer-key checks. With no key configured every request passes. Otherwise /health and /ready (probes)
/// and the static pages (/, /docs, /openapi.json: no data, and a browser cannot send a header when it
/// navigates; the page sends the key it is given with each API call) pass; everything else needs a key,
/// and a read-only key may not write.
struct AuthMiddleware<Context: RequestContext>: RouterMiddleware {
    let fullKey: [UInt8]?
    let readOnlyKey: [UInt8]?

    init(fullKey: String?, readOnlyKey: String?) {
        self.fullKey = fullKey.map { Array($0.utf8) }
        self.readOnlyKey = readOnlyKey.map { Array($0.utf8) }
    }

    static var openPaths: Set<String> { ["/health", "/ready", "/", "/docs", "/openapi.json"] }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        guard fullKey != nil || readOnlyKey != nil, !Self.openPaths.contains(request.uri.path) else {
            return try await next(request, context)
        }
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer ") else {
            throw ServerError.unauthorized
        }
        let given = Array(header.utf8.dropFirst("Bearer ".utf8.count))
        // Both keys are always compared, so the time taken does not say which one matched.
        let isFull = fullKey.map { Secrets.constantTimeEqual(given, $0) } ?? false
        let isReadOnly = readOnlyKey.map { Secrets.constantTimeEqual(given, $0) } ?? false
        guard isFull || isReadOnly else { throw ServerError.unauthorized }
        if !isFull, Self.writes(request) {
            throw ServerError.forbidden("This API key is read-only: it may search and embed, not "
                + "\(request.method.rawValue) \(request.uri.path).")
        }
        return try await next(request, context)
    }

    /// Routes that change data: document writes and deletes, collection creation.
    static func writes(_ request: Request) -> Bool {
        switch request.method {
        case .put, .delete, .patch: return true
        case .post: return request.uri.path == "/collections" || request.uri.path == "/collections/"
        default: return false
        }
    }
}

/// Comparing secrets.
enum Secrets {
    /// Equality whose running time depends only on the lengths, not on where the bytes differ.
    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var difference = UInt8(a.count == b.count ? 0 : 1)
        let length = max(a.count, b.count)
        for i in 0..<length {
            let x = i < a.count ? a[i] : 0
            let y = i < b.count ? b[i] : 0
            difference |= x ^ y
        }
        return difference == 0
    }
}
