// libFuzzer target: a request body as the server decodes it: RequestFields (JSON object, else a 400), then
// each route's reading of it: the embedding `input` in OpenAI's four forms, `documents` for PUT, and the
// search route's `query`/`queries`/`filters`/`k`. Every refusal must be ServerError.badRequest with a param
// inside the body; accepted token ids are in the vocabulary and accepted documents follow the corpus rules.
import Foundation
import GlossaCollection
import GlossaStore
import NIOCore
import FuzzSupport
@testable import GlossaServer

private let vocabularySize = 250_037

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let body = ByteBuffer(bytes: UnsafeRawBufferPointer(start: start, count: count))
    let fields: RequestFields
    do { fields = try RequestFields(body: body) } catch let error as ServerError {
        expectBadRequest(error)
        return 0
    } catch {
        preconditionFailure("RequestFields threw something other than ServerError: \(error)")
    }
    refusalsAreBadRequests {
        for input in try EmbeddingRoute.inputs(fields, vocabularySize: vocabularySize) {
            switch input {
            case .text(let text): precondition(!text.isEmpty, "an empty input was accepted")
            case .tokens(let ids):
                precondition(!ids.isEmpty && ids.allSatisfy { $0 >= 0 && $0 < vocabularySize }, "bad ids accepted")
            }
        }
    }
    refusalsAreBadRequests {
        guard let items = try fields.array("documents") else { return }
        for (index, item) in items.enumerated() {
            let document = try CollectionRoutes.document(item, index: index)
            precondition(!document.id.isEmpty && !document.text.allSatisfy(\.isWhitespace), "a blank document")
        }
    }
    refusalsAreBadRequests {
        let (texts, _) = try SearchRoute.queries(fields)
        precondition(!texts.isEmpty && texts.allSatisfy { !$0.allSatisfy(\.isWhitespace) }, "a blank query")
        _ = try SearchRoute.filters(fields)
        _ = try fields.int("k", in: 1...10_000)
        try fields.rejectUnknown(allowed: ["query", "queries", "k", "filters", "nprobe", "ef_search"])
    }
    return 0
}

private func refusalsAreBadRequests(_ body: () throws -> Void) {
    do { try body() } catch let error as ServerError { expectBadRequest(error) } catch {
        preconditionFailure("a route's decoding threw something other than ServerError: \(error)")
    }
}

private func expectBadRequest(_ error: ServerError) {
    guard case .badRequest(_, let message) = error else { preconditionFailure("not a 400: \(error)") }
    precondition(!message.isEmpty, "a 400 without a message")
}

// MARK: - Entry

// The renamed `main` of a SwiftPM debug executable; see FuzzSupport.
@_cdecl("FuzzServerRequest_main")
public func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    return runLibFuzzer(argc, argv) { data, size in data.map { fuzz($0, size) } ?? 0 }
}
