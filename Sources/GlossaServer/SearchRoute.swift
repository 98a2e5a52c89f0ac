// POST /collections/{name}/search: tokenise → encode in the interactive lane (shared forward passes) →
// Searcher over the collection's shards → the hit shape of `glossa search --json`.
import Foundation
import GlossaCollection
import GlossaCore
import GlossaSearch
import GlossaStore
import Hummingbird

struct SearchRoute {
    let state: ServerState

    func add(to router: Router<BasicRequestContext>) {
        router.post("/collections/{name}/search") { request, context in
            try await search(request, name: try Routes.parameter("name", context))
        }
    }

    private func search(_ request: Request, name: String) async throws -> Response {
        let served = try state.registry.collection(name)
        let fields = try RequestFields(body: try await state.body(of: request))
        try fields.rejectUnknown(allowed: ["query", "queries", "k", "filters", "nprobe", "ef_search", "mode", "fusion"])
        let (texts, batch) = try Self.queries(fields)
        try state.checkInputCount(texts.count, param: "queries")
        let k = try fields.int("k", in: 1...10_000) ?? 10
        let filters = try Self.filters(fields)
        let options = SearchOptions(nprobe: try fields.int("nprobe", in: 1...1_000_000),
                                    efSearch: try fields.int("ef_search", in: 1...1_000_000))

        let mode = try Self.mode(fields)
        let fusion = try Self.fusion(fields)

        // Lexical search needs no vectors; dense and hybrid encode through the shared scheduler.
        var vectors: [[Float]] = []
        if mode != .lexical {
            let tokenizeStart = ContinuousClock.now
            let inputs = try texts.map { try state.scheduled.modelInput($0, kind: .query).ids }
            state.metrics.recordStage("tokenize", ContinuousClock.now - tokenizeStart)
            let encoded = try await state.scheduler.embed(
                inputs, lane: state.lane(forInputs: inputs.count), deadline: .now + state.configuration.requestTimeout)
            vectors = encoded.vectors
            state.metrics.recordStage("queue", encoded.timings.queue)
            state.metrics.recordStage("encode", encoded.timings.encode)
        }

        let searchStart = ContinuousClock.now
        let queries = texts.enumerated().map { Query(id: String($0.offset), text: $0.element) }
        let queryVectors = vectors
        let results = try await served.read { served in
            try served.searcher.search(queries: queries, vectors: queryVectors, k: k, filters: filters, parameters: options,
                                       mode: mode, fusion: fusion)
        }
        state.metrics.recordStage("search", ContinuousClock.now - searchStart)
        if batch {
            return try Routes.json(BatchResults(results: zip(texts, results).map { QueryResult(query: $0, hits: $1) }))
        }
        return try Routes.json(QueryResult(query: texts[0], hits: results[0]))
    }

    /// `query` (one text) or `queries` (a batch), never both; no text may be empty.
    private static func queries(_ fields: RequestFields) throws -> (texts: [String], batch: Bool) {
        let single = try fields.string("query")
        let list = try fields.array("queries")
        switch (single, list) {
        case (let text?, nil):
            guard !text.allSatisfy(\.isWhitespace) else { throw fields.bad("query", "is empty; give some text to search for") }
            return ([text], false)
        case (nil, let items?):
            guard !items.isEmpty else { throw fields.bad("queries", "is empty") }
            let texts = try items.enumerated().map { index, item -> String in
                guard case .string(let text) = item, !text.allSatisfy(\.isWhitespace) else {
                    throw fields.bad("queries[\(index)]", "must be a non-empty string")
                }
                return text
            }
            return (texts, true)
        case (.some, .some): throw fields.bad("query", "and 'queries' were both given; send one of them")
        case (nil, nil): throw fields.bad("query", "is required (or 'queries' for a batch)")
        }
    }

    /// `mode`: dense (default), lexical or hybrid.
    private static func mode(_ fields: RequestFields) throws -> SearchMode {
        guard let text = try fields.string("mode") else { return .dense }
        guard let mode = SearchMode(rawValue: text) else {
            throw fields.bad("mode", "must be dense, lexical or hybrid, not '\(text)'")
        }
        return mode
    }

    /// `fusion` for hybrid: rrf, rrf:K, convex or convex:ALPHA (default convex:0.5).
    private static func fusion(_ fields: RequestFields) throws -> Fusion {
        guard let text = try fields.string("fusion") else { return .standard }
        do {
            return try Fusion(parsing: text)
        } catch {
            throw fields.bad("fusion", "is not a fusion (\(error))")
        }
    }

    /// `filters`: `{"key": value}`, every pair must match (dotted keys for nested metadata, as on the CLI);
    /// a value is a string, number or boolean, compared as `--filter key=value` compares it.
    private static func filters(_ fields: RequestFields) throws -> [MetadataFilter] {
        guard let object = try fields.object("filters") else { return [] }
        return try object.keys.sorted().map { key in
            guard !key.isEmpty else { throw fields.bad("filters", "has an empty key") }
            guard let value = object[key]?.filterText else {
                throw fields.bad("filters.\(key)", "must be a string, number or boolean")
            }
            return MetadataFilter(key: key, value: value)
        }
    }
}

struct QueryResult: Encodable {
    var query: String
    var hits: [Hit]
}

struct BatchResults: Encodable {
    var results: [QueryResult]
}
