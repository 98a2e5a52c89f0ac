// Every refusal of `glossa serve` is a 4xx (or 5xx) with an OpenAI-shaped JSON body naming the field:
// bad JSON, wrong types, unknown collections and routes, empty texts, bodies over the limit (413), too
// many inputs (422), a full queue (429 with Retry-After), a passed deadline (504), hostile collection names.
import Foundation
import GlossaTestSupport
import Testing

@Suite("glossa serve errors", .serialized, .enabled(if: TestLocations.modelTestsEnabled))
struct ServerErrorTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let method: String
        let path: String
        let body: String
        let status: Int
        let param: String?
        var testDescription: String { "\(method) \(path) \(body.prefix(40)) → \(status)" }
    }

    static let cases: [Case] = [
        Case(method: "POST", path: "/collections/docs/search", body: "{not json", status: 400, param: nil),
        Case(method: "POST", path: "/collections/docs/search", body: "[1,2]", status: 400, param: nil),
        Case(method: "POST", path: "/collections/docs/search", body: "", status: 400, param: nil),
        Case(method: "POST", path: "/collections/docs/search", body: "null", status: 400, param: nil),
        Case(method: "POST", path: "/v1/embeddings", body: #"{"model": "m", "input": ["\ud800"]}"#, status: 400,
             param: nil),
        Case(method: "POST", path: "/collections/docs/search", body: #"{"query": 3}"#, status: 400, param: "query"),
        Case(method: "POST", path: "/collections/docs/search", body: #"{"query": "  "}"#, status: 400, param: "query"),
        Case(method: "POST", path: "/collections/docs/search", body: #"{"query": "x", "k": 0}"#, status: 400, param: "k"),
        Case(method: "POST", path: "/collections/docs/search", body: #"{"query": "x", "k": 2.5}"#, status: 400, param: "k"),
        Case(method: "POST", path: "/collections/docs/search", body: #"{"query": "x", "filters": ["a"]}"#,
             status: 400, param: "filters"),
        Case(method: "POST", path: "/collections/docs/search", body: #"{"query": "x", "filters": {"a": [1]}}"#,
             status: 400, param: "filters.a"),
        Case(method: "POST", path: "/collections/docs/search", body: #"{"querry": "x"}"#, status: 400, param: "querry"),
        Case(method: "POST", path: "/collections/docs/search", body: #"{"queries": ["a", ""]}"#, status: 400,
             param: "queries[1]"),
        Case(method: "POST", path: "/collections/docs/search", body: #"{"query": "a", "queries": ["b"]}"#,
             status: 400, param: "query"),
        Case(method: "POST", path: "/collections/nope/search", body: #"{"query": "x"}"#, status: 404, param: nil),
        Case(method: "GET", path: "/no/such/route", body: "", status: 404, param: nil),
        Case(method: "PUT", path: "/collections/docs/documents", body: #"{"documents": []}"#, status: 400,
             param: "documents"),
        Case(method: "PUT", path: "/collections/docs/documents", body: #"{"documents": [{"id": "a", "text": ""}]}"#,
             status: 400, param: "documents[0].text"),
        Case(method: "PUT", path: "/collections/docs/documents",
             body: #"{"documents": [{"id": "a", "text": "ok"}, {"text": "no id"}]}"#, status: 400, param: "documents[1].id"),
        Case(method: "PUT", path: "/collections/docs/documents",
             body: #"{"documents": [{"id": "a", "text": "ok", "metadata": [1]}]}"#, status: 400,
             param: "documents[0].metadata"),
        Case(method: "PUT", path: "/collections/docs/documents", body: #"{"documents": ["text"]}"#, status: 400,
             param: "documents[0]"),
        Case(method: "POST", path: "/collections", body: #"{"name": "../escape"}"#, status: 400, param: "name"),
        Case(method: "POST", path: "/collections", body: #"{"name": ".hidden"}"#, status: 400, param: "name"),
        Case(method: "POST", path: "/collections", body: #"{"name": "a/b"}"#, status: 400, param: "name"),
        Case(method: "POST", path: "/collections", body: #"{"name": "nul\u0000x"}"#, status: 400, param: "name"),
        Case(method: "POST", path: "/collections", body: #"{"name": "x", "index_type": "nonsense"}"#, status: 400,
             param: "index_type"),
        Case(method: "POST", path: "/collections", body: #"{"name": "y", "chunk_tokens": 8, "chunk_overlap": 8}"#,
             status: 400, param: "chunk_overlap"),
        Case(method: "POST", path: "/collections", body: #"{"name": "x", "shards": 0}"#, status: 400, param: "shards"),
        Case(method: "GET", path: "/collections/..%2F..%2Fetc", body: "", status: 404, param: nil),
        Case(method: "POST", path: "/v1/embeddings", body: #"{"input": "hi"}"#, status: 400, param: "model"),
        Case(method: "POST", path: "/v1/embeddings", body: #"{"model": "m"}"#, status: 400, param: "input"),
        Case(method: "POST", path: "/v1/embeddings", body: #"{"model": "m", "input": ""}"#, status: 400, param: "input"),
        Case(method: "POST", path: "/v1/embeddings", body: #"{"model": "m", "input": []}"#, status: 400, param: "input"),
        Case(method: "POST", path: "/v1/embeddings", body: #"{"model": "m", "input": ["a", 1]}"#, status: 400,
             param: "input[1]"),
        Case(method: "POST", path: "/v1/embeddings", body: #"{"model": "m", "input": [0, 999999999]}"#, status: 400,
             param: "input[1]"),
        Case(method: "POST", path: "/v1/embeddings", body: #"{"model": "m", "input": [[5, 6], []]}"#, status: 400,
             param: "input[1]"),
        Case(method: "POST", path: "/v1/embeddings", body: #"{"model": "m", "input": "a", "dimensions": 128}"#,
             status: 400, param: "dimensions"),
        Case(method: "POST", path: "/v1/embeddings", body: #"{"model": "m", "input": "a", "encoding_format": "int8"}"#,
             status: 400, param: "encoding_format"),
        Case(method: "POST", path: "/v1/embeddings", body: #"{"model": "m", "input": "a", "input_type": "doc"}"#,
             status: 400, param: "input_type"),
    ]

    @Test("bad requests get a JSON error that names the field", arguments: [0])
    func badRequests(_: Int) async throws {
        let server = try await ServerProcess(root: try ServerProcess.makeRoot("errors"))
        defer { try? FileManager.default.removeItem(at: server.root) }
        #expect(try await server.request("POST", "/collections", json: ["name": "docs"]).status == 201)
        for item in Self.cases {
            let reply = try await server.request(item.method, item.path, body: Data(item.body.utf8))
            #expect(reply.status == item.status, "\(item.testDescription): got \(reply.status) \(reply.text)")
            #expect(reply.header("Content-Type")?.hasPrefix("application/json") == true, "\(item.testDescription)")
            let error = reply.json["error"] as? [String: Any]
            #expect(error?["message"] is String && error?["type"] is String, "\(item.testDescription): \(reply.text)")
            #expect(Set(error?.keys.map { $0 } ?? []) == ["message", "type", "param", "code"], "\(reply.text)")
            #expect(reply.errorParam == item.param, "\(item.testDescription): param \(reply.errorParam ?? "nil")")
        }
        let surrogate = try await server.request("POST", "/v1/embeddings",
                                                 body: Data(#"{"model": "m", "input": ["\ud800"]}"#.utf8))
        #expect(surrogate.errorMessage.contains("surrogate"), "\(surrogate.text)")
        let null = try await server.request("POST", "/v1/embeddings", body: Data("null".utf8))
        #expect(null.errorMessage == "The request body is JSON but not an object.", "\(null.text)")
        // Nothing above created a folder outside the root, nor a collection from a refused name.
        let entries = try FileManager.default.contentsOfDirectory(atPath: server.root.path)
        #expect(entries == ["docs"], "\(entries)")
        #expect(!FileManager.default.fileExists(atPath: server.root.deletingLastPathComponent()
            .appendingPathComponent("escape").path))
        #expect(try await server.terminate() == 0)
    }

    @Test("limits: 413 over the body limit, 422 over the input limit, 504 past the deadline")
    func limits() async throws {
        let server = try await ServerProcess(
            root: try ServerProcess.makeRoot("limits"),
            arguments: ["--max-body-bytes", "4096", "--max-inputs", "4"])
        defer { try? FileManager.default.removeItem(at: server.root) }
        let big = String(repeating: "x", count: 8_000)
        let tooLarge = try await server.request("POST", "/v1/embeddings", json: ["model": "m", "input": big])
        #expect(tooLarge.status == 413, "\(tooLarge.text)")
        #expect((tooLarge.json["error"] as? [String: Any])?["code"] as? String == "body_too_large")
        let tooMany = try await server.request("POST", "/v1/embeddings",
                                               json: ["model": "m", "input": ["a", "b", "c", "d", "e"]])
        #expect(tooMany.status == 422 && tooMany.errorParam == "input", "\(tooMany.text)")
        let four = try await server.request("POST", "/v1/embeddings", json: ["model": "m", "input": ["a", "b", "c", "d"]])
        #expect(four.status == 200)
        #expect(try await server.terminate() == 0)

        // A deadline shorter than the batching wait: the job is dropped unrun.
        let slow = try await ServerProcess(root: server.root,
                                           arguments: ["--request-timeout", "0.001", "--batch-wait-ms", "200"],
                                           waitReady: false)
        let late = try await slow.request("POST", "/v1/embeddings", json: ["model": "m", "input": "too late"])
        #expect(late.status == 504, "\(late.text)")
        let metrics = try await slow.request("GET", "/metrics")
        #expect(metrics.text.contains("glossa_encoder_dropped_jobs_total 1"), "\(metrics.text.prefix(400))")
        #expect(try await slow.terminate() == 0)
    }

    @Test("a full encoder queue answers 429 with Retry-After, and the admitted requests all succeed")
    func backpressure() async throws {
        let server = try await ServerProcess(root: try ServerProcess.makeRoot("queue"),
                                             arguments: ["--max-queued-inputs", "16"])
        defer { try? FileManager.default.removeItem(at: server.root) }
        // 24 concurrent requests of 16 long passages each: only one fits the queue at a time.
        let passage = String(repeating: "Die Donau fließt durch zehn Länder und mündet ins Schwarze Meer. ", count: 20)
        let body = try JSONSerialization.data(withJSONObject: [
            "model": "m", "input": Array(repeating: passage, count: 16), "input_type": "passage"])
        let replies = try await withThrowingTaskGroup(of: HTTPReply.self) { group in
            for _ in 0..<24 { group.addTask { try await server.request("POST", "/v1/embeddings", body: body) } }
            return try await group.reduce(into: [HTTPReply]()) { $0.append($1) }
        }
        let statuses = replies.map(\.status)
        #expect(statuses.allSatisfy { $0 == 200 || $0 == 429 }, "\(statuses)")
        #expect(statuses.contains(200) && statuses.contains(429), "\(statuses)")
        for reply in replies where reply.status == 429 {
            #expect(reply.header("Retry-After") == "1")
            #expect((reply.json["error"] as? [String: Any])?["type"] as? String == "rate_limit_error")
        }
        for reply in replies where reply.status == 200 {
            #expect((reply.json["data"] as? [Any])?.count == 16)
        }
        #expect(try await server.terminate() == 0)
    }
}

@Suite("glossa serve slow clients", .enabled(if: TestLocations.modelTestsEnabled))
struct ServerSlowClientTests {
    @Test("a body that stops arriving gets 408 after --read-timeout, and the server keeps serving")
    func readTimeout() async throws {
        let server = try await ServerProcess(root: try ServerProcess.makeRoot("slow"), arguments: ["--read-timeout", "1"])
        defer { try? FileManager.default.removeItem(at: server.root) }
        let port = try #require(server.baseURL.port)
        // Promise 100 bytes, send 10, then wait: only a raw socket can be this rude.
        let reply = try RawSocket.exchange(port: port, send: "POST /v1/embeddings HTTP/1.1\r\nHost: x\r\n"
            + "Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"input\":", waitSeconds: 5)
        #expect(reply.hasPrefix("HTTP/1.1 408"), "\(reply.prefix(300))")
        #expect(reply.contains("read_timeout"))
        #expect(try await server.request("GET", "/health").status == 200)
        #expect(try await server.terminate() == 0)
    }
}

/// A blocking loopback TCP exchange: send `text`, read until the peer closes, a response arrives or time is up.
enum RawSocket {
    static func exchange(port: Int, send text: String, waitSeconds: Int) throws -> String {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #expect(fd >= 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        #expect(connected == 0)
        var timeout = timeval(tv_sec: waitSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, 0) }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = recv(fd, &buffer, buffer.count, 0)
            if count <= 0 { break }
            received += buffer[0..<count]
            if String(decoding: received, as: UTF8.self).contains("}}") { break }
        }
        return String(decoding: received, as: UTF8.self)
    }
}
