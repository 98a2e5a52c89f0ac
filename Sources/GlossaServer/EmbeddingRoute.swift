// POST /v1/embeddings (and /embeddings): OpenAI's embeddings contract, so the official clients work
// unchanged: `input` as a string, strings, token ids or arrays of token ids (at most `maxInputs`);
// `encoding_format` float or base64 (little-endian float32, the clients' default); `dimensions` only
// when equal to the model's. mE5 needs a prefix, so an `input_type` extension (query | passage) picks it,
// defaulting to the server's --default-input-type. Over-long inputs are truncated as the model was trained,
// and the response counts them (`truncated`).
import Foundation
import GlossaCore
import GlossaStore
import GlossaTokenizer
import Hummingbird

struct EmbeddingRoute {
    let state: ServerState

    func add(to router: Router<BasicRequestContext>) {
        router.post("/v1/embeddings") { request, _ in try await embed(request) }
        router.post("/embeddings") { request, _ in try await embed(request) }
    }

    /// One input: a text to tokenise with the prefix, or model ids given by the client.
    enum Input {
        case text(String)
        case tokens([Int32])
    }

    private func embed(_ request: Request) async throws -> Response {
        let fields = try RequestFields(body: try await state.body(of: request))
        guard fields.value("model") != nil else { throw fields.bad("model", "is required (any model name is accepted)") }
        _ = try fields.string("model")
        let inputs = try Self.inputs(fields, vocabularySize: state.encoder.config.vocabSize)
        try state.checkInputCount(inputs.count, param: "input")
        let format = try fields.string("encoding_format") ?? "float"
        guard format == "float" || format == "base64" else {
            throw fields.bad("encoding_format", "must be 'float' or 'base64', not '\(format)'")
        }
        if let dimensions = try fields.int("dimensions", in: Int.min...Int.max), dimensions != state.encoder.dimension {
            throw ServerError.badRequest(param: "dimensions", message:
                "This model gives \(state.encoder.dimension)-dimensional embeddings and cannot shorten them; "
                + "leave 'dimensions' out or set it to \(state.encoder.dimension).")
        }
        let kind = try Self.kind(fields, default: state.configuration.defaultInputType)

        let tokenizeStart = ContinuousClock.now
        var sequences: [[Int32]] = []
        sequences.reserveCapacity(inputs.count)
        var truncated = 0
        for input in inputs {
            let (ids, cut) = try modelInput(input, kind: kind)
            sequences.append(ids)
            if cut { truncated += 1 }
        }
        state.metrics.recordStage("tokenize", ContinuousClock.now - tokenizeStart)
        let (vectors, timings) = try await state.scheduler.embed(
            sequences, lane: state.lane(forInputs: sequences.count), deadline: .now + state.configuration.requestTimeout)
        state.metrics.recordStage("queue", timings.queue)
        state.metrics.recordStage("encode", timings.encode)
        let tokens = sequences.reduce(0) { $0 + $1.count }
        return Routes.raw(Self.responseBody(vectors, base64: format == "base64", model: state.encoder.modelName,
                                            tokens: tokens, truncated: truncated))
    }

    private func modelInput(_ input: Input, kind: TextKind) throws -> (ids: [Int32], truncated: Bool) {
        switch input {
        case .text(let text): return try state.scheduled.modelInput(text, kind: kind)
        case .tokens(var ids):
            // Token input is the client's own tokenisation: no prefix; <s> and </s> added when missing.
            if ids.first != Tokenizer.bosID { ids.insert(Tokenizer.bosID, at: 0) }
            if ids.count < 2 || ids.last != Tokenizer.eosID { ids.append(Tokenizer.eosID) }
            let limit = state.encoder.maxSequenceLength
            guard ids.count > limit else { return (ids, false) }
            return (Array(ids.prefix(limit - 1)) + [Tokenizer.eosID], true)
        }
    }

    private static func kind(_ fields: RequestFields, default fallback: TextKind) throws -> TextKind {
        switch try fields.string("input_type") {
        case nil: return fallback
        case "query": return .query
        case "passage", "document": return .passage
        case let other?: throw fields.bad("input_type", "must be 'query' or 'passage', not '\(other)'")
        }
    }

    /// `input` in each of OpenAI's four forms.
    static func inputs(_ fields: RequestFields, vocabularySize: Int) throws -> [Input] {
        guard let value = fields.value("input") else { throw fields.bad("input", "is required") }
        func text(_ item: MetadataValue, _ param: String) throws -> Input {
            guard case .string(let text) = item else {
                throw ServerError.badRequest(param: param, message: "Field '\(param)' must be a string.")
            }
            guard !text.isEmpty else {
                throw ServerError.badRequest(param: param, message: "Field '\(param)' is an empty string.")
            }
            return .text(text)
        }
        func tokens(_ items: [MetadataValue], _ param: String) throws -> Input {
            guard !items.isEmpty else {
                throw ServerError.badRequest(param: param, message: "Field '\(param)' is an empty token array.")
            }
            let ids = try items.enumerated().map { index, item -> Int32 in
                guard case .number(let number) = item, number.rounded() == number, number >= 0,
                    number < Double(vocabularySize)
                else {
                    throw ServerError.badRequest(param: "\(param)[\(index)]", message:
                        "Field '\(param)[\(index)]' must be a token id in 0..<\(vocabularySize).")
                }
                return Int32(number)
            }
            return .tokens(ids)
        }
        switch value {
        case .string: return [try text(value, "input")]
        case .array(let items):
            guard let first = items.first else { throw fields.bad("input", "is an empty array") }
            switch first {
            case .number: return [try tokens(items, "input")]
            case .array:
                return try items.enumerated().map { index, item in
                    guard case .array(let ids) = item else {
                        throw fields.bad("input[\(index)]", "must be an array of token ids like the other items")
                    }
                    return try tokens(ids, "input[\(index)]")
                }
            default: return try items.enumerated().map { index, item in try text(item, "input[\(index)]") }
            }
        default: throw fields.bad("input", "must be a string, an array of strings, or token ids")
        }
    }

    /// The response, written by hand: 2,048 × 384 floats through JSONEncoder would cost more than encoding them.
    static func responseBody(_ vectors: [[Float]], base64: Bool, model: String, tokens: Int, truncated: Int) -> [UInt8] {
        var out = #"{"object":"list","data":["#
        out.reserveCapacity(vectors.count * (base64 ? 2_100 : 4_400) + 200)
        for (index, vector) in vectors.enumerated() {
            if index > 0 { out += "," }
            out += #"{"object":"embedding","index":\#(index),"embedding":"#
            if base64 {
                let data = vector.withUnsafeBufferPointer { Data(buffer: $0) }
                // x86-64 and arm64 are little-endian, which is what the clients decode.
                out += "\"" + data.base64EncodedString() + "\""
            } else {
                out += "["
                for (position, value) in vector.enumerated() {
                    if position > 0 { out += "," }
                    out += value.description
                }
                out += "]"
            }
            out += "}"
        }
        let name = String(decoding: (try? JSONEncoder().encode(model)) ?? Data("\"\"".utf8), as: UTF8.self)
        // `try?`: encoding a String cannot fail.
        out += #"],"model":\#(name),"usage":{"prompt_tokens":\#(tokens),"total_tokens":\#(tokens)},"#
        out += #""truncated":\#(truncated)}"#
        return Array(out.utf8)
    }
}
