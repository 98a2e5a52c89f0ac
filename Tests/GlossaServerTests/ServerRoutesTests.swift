// Every route of `glossa serve` over real HTTP on loopback, against the real model, FAISS and SQLite:
// collections, documents (read-your-writes), search (single, batch, filtered), the system routes and
// the pages. Each test starts its own server on a free port in a temp collections folder.
import Foundation
import GlossaTestSupport
import Testing

@Suite("glossa serve routes", .serialized, .enabled(if: TestLocations.modelTestsEnabled))
struct ServerRoutesTests {
    /// A server with the sample passages in collection `docs`.
    static func serverWithSamples(_ name: String, arguments: [String] = []) async throws -> ServerProcess {
        let server = try await ServerProcess(root: try ServerProcess.makeRoot(name), arguments: arguments)
        let created = try await server.request("POST", "/collections", json: ["name": "docs"])
        #expect(created.status == 201, "\(created.text)")
        let put = try await server.request("PUT", "/collections/docs/documents",
                                           json: ["documents": try ServerProcess.samplePassages()])
        #expect(put.status == 200, "\(put.text)")
        return server
    }

    @Test("documents, search and collections work end to end, and a write is found by the very next search")
    func endToEnd() async throws {
        let server = try await Self.serverWithSamples("e2e")
        defer { try? FileManager.default.removeItem(at: server.root) }

        let search = try await server.request("POST", "/collections/docs/search",
                                              json: ["query": "Wann wurde der Eiffelturm fertiggestellt?", "k": 3])
        #expect(search.status == 200)
        let hits = try #require(search.json["hits"] as? [[String: Any]])
        #expect(hits.count == 3)
        #expect(hits.first?["id"] as? String == "en-eiffel", "\(search.text)")
        #expect(Set(hits[0].keys) == ["id", "score", "title", "text", "metadata", "chunk"])

        // Read-your-writes: a new document with a made-up word is the top hit of the next search.
        let document: [String: Any] = ["id": "new/zork", "title": "Zorkblatt",
                                       "text": "Der Zorkblatt ist ein erfundenes Wort für diesen Test.",
                                       "metadata": ["lang": "de", "year": 2026]]
        let put = try await server.request("PUT", "/collections/docs/documents", json: ["documents": [document]])
        #expect(put.status == 200 && put.json["inserted"] as? Int == 1, "\(put.text)")
        let found = try await server.request("POST", "/collections/docs/search",
                                             json: ["query": "Was ist ein Zorkblatt?", "k": 1])
        #expect((found.json["hits"] as? [[String: Any]])?.first?["id"] as? String == "new/zork", "\(found.text)")

        // Lexical and hybrid modes find the made-up word too; lexical needs no encoding.
        for mode in ["lexical", "hybrid"] {
            let reply = try await server.request("POST", "/collections/docs/search",
                                                 json: ["query": "Zorkblatt", "k": 2, "mode": mode, "fusion": "rrf"])
            #expect((reply.json["hits"] as? [[String: Any]])?.first?["id"] as? String == "new/zork", "\(mode): \(reply.text)")
        }
        let badMode = try await server.request("POST", "/collections/docs/search", json: ["query": "x", "mode": "fuzzy"])
        #expect(badMode.status == 400 && badMode.errorParam == "mode")
        let badFusion = try await server.request("POST", "/collections/docs/search",
                                                 json: ["query": "x", "mode": "hybrid", "fusion": "convex:2"])
        #expect(badFusion.status == 400 && badFusion.errorParam == "fusion")

        // Filters, a batch of queries.
        let filtered = try await server.request("POST", "/collections/docs/search",
                                                json: ["queries": ["first person in space", "Eiffel"], "k": 5,
                                                       "filters": ["lang": "ru"]])
        let results = try #require(filtered.json["results"] as? [[String: Any]], "\(filtered.text)")
        #expect(results.count == 2)
        for result in results {
            for hit in try #require(result["hits"] as? [[String: Any]]) {
                #expect((hit["metadata"] as? [String: Any])?["lang"] as? String == "ru")
            }
        }
        let byYear = try await server.request("POST", "/collections/docs/search",
                                              json: ["query": "erfundenes Wort", "filters": ["year": 2026]])
        #expect((byYear.json["hits"] as? [[String: Any]])?.map { $0["id"] as? String } == ["new/zork"])

        // Documents by id (percent-encoded), delete, then 404.
        let got = try await server.request("GET", "/collections/docs/documents/new%2Fzork")
        #expect(got.status == 200 && got.json["title"] as? String == "Zorkblatt", "\(got.text)")
        let deleted = try await server.request("DELETE", "/collections/docs/documents/new%2Fzork")
        #expect(deleted.status == 200, "\(deleted.text)")
        #expect(try await server.request("GET", "/collections/docs/documents/new%2Fzork").status == 404)
        #expect(try await server.request("DELETE", "/collections/docs/documents/new%2Fzork").status == 404)
        let after = try await server.request("POST", "/collections/docs/search", json: ["query": "Zorkblatt", "k": 3])
        #expect(!((after.json["hits"] as? [[String: Any]]) ?? []).contains { $0["id"] as? String == "new/zork" })

        // Collections.
        let list = try await server.request("GET", "/collections")
        let collections = try #require(list.json["collections"] as? [[String: Any]])
        #expect(collections.map { $0["name"] as? String } == ["docs"])
        let sampleCount = try ServerProcess.samplePassages().count
        #expect(collections.first?["documents"] as? Int == sampleCount)
        let info = try await server.request("GET", "/collections/docs")
        #expect(info.json["index_type"] as? String == "flat" && info.json["dimension"] as? Int == 384, "\(info.text)")
        #expect(try await server.request("GET", "/collections/nope").status == 404)
        #expect(try await server.request("POST", "/collections", json: ["name": "docs"]).status == 409)
        let ivf = try await server.request("POST", "/collections",
                                           json: ["name": "sharded", "index_type": "hnsw", "shards": 2])
        #expect(ivf.status == 201 && ivf.json["shards"] as? Int == 2, "\(ivf.text)")

        #expect(try await server.terminate() == 0)
    }

    @Test("system routes: health, ready, info, metrics, OpenAPI, docs and the search page")
    func systemRoutes() async throws {
        let server = try await Self.serverWithSamples("system")
        defer { try? FileManager.default.removeItem(at: server.root) }
        #expect(try await server.request("GET", "/health").json["status"] as? String == "ok")
        #expect(try await server.request("GET", "/ready").status == 200)
        let info = try await server.request("GET", "/info").json
        #expect(info["model"] as? String == "multilingual-e5-small")
        #expect(info["dimension"] as? Int == 384 && info["max_tokens"] as? Int == 512 && info["max_inputs"] as? Int == 2048)
        #expect(info["collections"] as? [String] == ["docs"])

        _ = try await server.request("POST", "/collections/docs/search", json: ["query": "Beethoven"])
        let metrics = try await server.request("GET", "/metrics")
        #expect(metrics.header("Content-Type")?.hasPrefix("text/plain") == true)
        for name in [#"glossa_http_requests_total{route="/collections/{name}/search",method="POST",status="200"}"#,
                     #"glossa_stage_duration_seconds_count{stage="encode"}"#,
                     #"glossa_stage_duration_seconds_count{stage="queue"}"#,
                     #"glossa_stage_duration_seconds_count{stage="tokenize"}"#,
                     #"glossa_stage_duration_seconds_count{stage="search"}"#,
                     "glossa_batch_inputs_count", "glossa_batch_tokens_count", "glossa_encoder_queue_inputs",
                     "glossa_encoded_tokens_total", #"glossa_documents_stored{collection="docs"} 44"#] {
            #expect(metrics.text.contains(name), "metrics lack \(name)")
        }

        // The OpenAPI document is JSON and describes every route the server has.
        let openapi = try await server.request("GET", "/openapi.json")
        #expect(openapi.json["openapi"] as? String == "3.1.0")
        let paths = try #require(openapi.json["paths"] as? [String: [String: Any]])
        let routes: [(String, String)] = [
            ("/collections/{name}/search", "post"), ("/collections/{name}/documents", "put"),
            ("/collections/{name}/documents/{id}", "get"), ("/collections/{name}/documents/{id}", "delete"),
            ("/collections/{name}", "get"), ("/collections", "get"), ("/collections", "post"),
            ("/v1/embeddings", "post"), ("/embeddings", "post"), ("/health", "get"), ("/ready", "get"),
            ("/info", "get"), ("/metrics", "get"), ("/openapi.json", "get"), ("/docs", "get"), ("/", "get"),
            ("/v1/models", "get"),
        ]
        for (path, method) in routes { #expect(paths[path]?[method] != nil, "OpenAPI lacks \(method) \(path)") }
        let docs = try await server.request("GET", "/docs")
        #expect(docs.header("Content-Type")?.hasPrefix("text/html") == true && docs.text.contains("/openapi.json"))
        let models = try await server.request("GET", "/v1/models")
        #expect((models.json["data"] as? [[String: Any]])?.first?["id"] as? String == "multilingual-e5-small")
        let wrongMethod = try await server.request("GET", "/v1/embeddings")
        #expect(wrongMethod.status == 405 && wrongMethod.header("Allow") == "POST", "\(wrongMethod.text)")
        let page = try await server.request("GET", "/")
        #expect(page.text.contains(#"id="query""#) && page.text.contains(#"id="hits""#))
        #expect(try await server.terminate() == 0)
    }

    @Test("a collection given on the command line is served under its folder's name, and survives a restart")
    func servedFromArguments() async throws {
        let root = try ServerProcess.makeRoot("args")
        defer { try? FileManager.default.removeItem(at: root) }
        var server = try await ServerProcess(root: root)
        #expect(try await server.request("POST", "/collections", json: ["name": "kept"]).status == 201)
        let put = try await server.request("PUT", "/collections/kept/documents",
                                           json: ["documents": [["id": "a", "text": "Ein Satz über Katzen."]]])
        #expect(put.status == 200)
        #expect(try await server.terminate() == 0)
        // The shard files were written at shutdown: verify finds them current.
        let verify = try CLIRun.glossa(["verify", root.appendingPathComponent("kept").path])
        #expect(verify.status == 0, "\(verify.output)")

        server = try await ServerProcess(root: root.appendingPathComponent("elsewhere"),
                                         arguments: [root.appendingPathComponent("kept").path])
        let list = try await server.request("GET", "/collections").json["collections"] as? [[String: Any]]
        #expect(list?.map { $0["name"] as? String } == ["kept"])
        #expect(try await server.request("GET", "/collections/kept/documents/a").status == 200)
        #expect(try await server.terminate() == 0)
    }
}

/// Runs the built glossa binary to completion (for `verify` and `embed` beside a server).
enum CLIRun {
    struct Result {
        let status: Int32
        let output: String
        let stdout: Data
    }

    static func glossa(_ arguments: [String], stdin: Data = Data()) throws -> Result {
        let process = Process()
        process.executableURL = ServerProcess.binary
        process.arguments = arguments
        process.currentDirectoryURL = TestLocations.repoRoot
        var environment = ProcessInfo.processInfo.environment
        environment["GLOSSA_MODEL"] = TestLocations.modelFolder.path
        process.environment = environment
        let input = Pipe()
        let output = Pipe()
        let errors = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let errBox = OutputBox()
        let group = DispatchGroup()
        DispatchQueue.global().async(group: group) {
            try? input.fileHandleForWriting.write(contentsOf: stdin)
            try? input.fileHandleForWriting.close()
        }
        DispatchQueue.global().async(group: group) { errBox.append(errors.fileHandleForReading.readDataToEndOfFile()) }
        let out = output.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, output: String(decoding: out, as: UTF8.self) + errBox.text,
                      stdout: out)
    }
}
