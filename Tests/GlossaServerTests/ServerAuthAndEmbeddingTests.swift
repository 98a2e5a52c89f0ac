// API keys (401 without, 403 for writes with the read-only key, probes open), the OpenAI embeddings
// contract against `glossa embed` (float, base64, token ids, prefixes, truncation), and crash safety:
// kill -9 after acknowledged writes loses none of them.
import Foundation
import GlossaTestSupport
import Testing

@Suite("glossa serve auth, embeddings and crashes", .serialized, .enabled(if: TestLocations.modelTestsEnabled))
struct ServerAuthAndEmbeddingTests {
    @Test("with keys: 401 without or with a wrong key, the read-only key searches and embeds but cannot write")
    func apiKeys() async throws {
        let root = try ServerProcess.makeRoot("auth")
        defer { try? FileManager.default.removeItem(at: root) }
        let keyFile = root.appendingPathComponent("key.txt")
        let readOnlyFile = root.appendingPathComponent("ro.txt")
        try "s3cret-full\n".write(to: keyFile, atomically: true, encoding: .utf8)
        try "s3cret-read".write(to: readOnlyFile, atomically: true, encoding: .utf8)
        let collections = root.appendingPathComponent("collections")
        let server = try await ServerProcess(root: collections, arguments: [
            "--api-key-file", keyFile.path, "--read-only-key-file", readOnlyFile.path])
        let full = ["Authorization": "Bearer s3cret-full"]
        let readOnly = ["Authorization": "Bearer s3cret-read"]

        #expect(try await server.request("GET", "/health").status == 200)
        #expect(try await server.request("GET", "/ready").status == 200)
        let anonymous = try await server.request("GET", "/collections")
        #expect(anonymous.status == 401 && anonymous.header("WWW-Authenticate") == "Bearer", "\(anonymous.text)")
        #expect((anonymous.json["error"] as? [String: Any])?["type"] as? String == "authentication_error")
        for wrong in ["Bearer nope", "Bearer s3cret-ful", "Bearer s3cret-fullx", "Basic s3cret-full", "s3cret-full"] {
            #expect(try await server.request("GET", "/info", headers: ["Authorization": wrong]).status == 401, "\(wrong)")
        }
        #expect(try await server.request("POST", "/collections", json: ["name": "c"], headers: readOnly).status == 403)
        #expect(try await server.request("POST", "/collections", json: ["name": "c"], headers: full).status == 201)
        let document = ["documents": [["id": "d1", "text": "Kyoto was the capital of Japan for over a thousand years."]]]
        let refused = try await server.request("PUT", "/collections/c/documents", json: document, headers: readOnly)
        #expect(refused.status == 403 && (refused.json["error"] as? [String: Any])?["code"] as? String == "read_only_key")
        #expect(try await server.request("PUT", "/collections/c/documents", json: document, headers: full).status == 200)
        #expect(try await server.request("DELETE", "/collections/c/documents/d1", headers: readOnly).status == 403)
        let search = try await server.request("POST", "/collections/c/search", json: ["query": "capital of Japan"],
                                              headers: readOnly)
        #expect((search.json["hits"] as? [[String: Any]])?.first?["id"] as? String == "d1", "\(search.text)")
        let embed = try await server.request("POST", "/v1/embeddings", json: ["model": "m", "input": "x"], headers: readOnly)
        #expect(embed.status == 200)
        #expect(try await server.request("GET", "/metrics").status == 401)
        #expect(try await server.request("GET", "/metrics", headers: readOnly).status == 200)
        #expect(try await server.terminate() == 0)
    }

    @Test("/v1/embeddings equals glossa embed: float and base64, queries and passages, token ids, truncation")
    func embeddingsMatchTheCLI() async throws {
        let server = try await ServerProcess(root: try ServerProcess.makeRoot("embed"))
        defer { try? FileManager.default.removeItem(at: server.root) }
        let texts = ["Wie hoch ist der Eiffelturm?", "東京タワーの高さは？", "¿Dónde nació Beethoven?", "Привет, мир"]
        for kind in ["query", "passage"] {
            let reference = try CLI.embed(texts, kind: kind)
            for format in ["float", "base64"] {
                let reply = try await server.request("POST", "/v1/embeddings", json: [
                    "model": "text-embedding-3-small", "input": texts, "encoding_format": format, "input_type": kind])
                #expect(reply.status == 200, "\(reply.text)")
                #expect(reply.json["object"] as? String == "list" && reply.json["model"] as? String == "multilingual-e5-small")
                let vectors = try Self.vectors(reply, base64: format == "base64")
                #expect(vectors.count == texts.count)
                for (got, expected) in zip(vectors, reference) {
                    #expect(Numeric.maxAbsDiff(got, expected) <= 1e-6, "\(kind) \(format): \(Numeric.maxAbsDiff(got, expected))")
                }
                let usage = try #require(reply.json["usage"] as? [String: Int])
                #expect(usage["prompt_tokens"] ?? 0 > 20 && usage["prompt_tokens"] == usage["total_tokens"])
            }
        }
        // Queries are the default input type; token ids (as `glossa tokenize` prints them) equal the text.
        let ids = try CLI.tokenize(texts[0], prefix: "query")
        let byText = try await server.request("POST", "/embeddings", json: ["model": "m", "input": texts[0]])
        let byIDs = try await server.request("POST", "/v1/embeddings", json: ["model": "m", "input": ids])
        let withoutSpecials = try await server.request("POST", "/v1/embeddings",
                                                       json: ["model": "m", "input": [Array(ids.dropFirst().dropLast())]])
        let reference = try CLI.embed([texts[0]], kind: "query")[0]
        for reply in [byText, byIDs, withoutSpecials] {
            let vector = try Self.vectors(reply, base64: false)[0]
            #expect(Numeric.maxAbsDiff(vector, reference) <= 1e-6, "\(reply.text.prefix(200))")
        }
        // Over 512 tokens: truncated as the model was trained, and counted.
        let long = String(repeating: "Wort ", count: 900)
        let truncated = try await server.request("POST", "/v1/embeddings", json: ["model": "m", "input": [long, "kurz"]])
        #expect(truncated.json["truncated"] as? Int == 1)
        let longReference = try CLI.embed([long], kind: "query")[0]
        let longVector = try Self.vectors(truncated, base64: false)[0]
        #expect(Numeric.maxAbsDiff(longVector, longReference) <= 1e-6)
        #expect(try await server.terminate() == 0)
    }

    @Test("kill -9 after acknowledged writes: every acknowledged document is there after a restart, verify passes")
    func killNine() async throws {
        let root = try ServerProcess.makeRoot("kill")
        defer { try? FileManager.default.removeItem(at: root) }
        var server = try await ServerProcess(root: root)
        #expect(try await server.request("POST", "/collections", json: ["name": "c"]).status == 201)
        var acknowledged: [String] = []
        for round in 0..<3 {
            let documents = (0..<8).map { ["id": "r\(round)-\($0)", "text": "Dokument \($0) aus Runde \(round) über Flüsse."] }
            let reply = try await server.request("PUT", "/collections/c/documents", json: ["documents": documents])
            #expect(reply.status == 200)
            acknowledged += documents.map { $0["id"]! }
            server.kill9()
            server = try await ServerProcess(root: root)
        }
        for id in acknowledged {
            #expect(try await server.request("GET", "/collections/c/documents/\(id)").status == 200, "\(id) lost")
        }
        let info = try await server.request("GET", "/collections/c")
        #expect(info.json["documents"] as? Int == acknowledged.count && info.json["indexed_chunks"] as? Int == acknowledged.count)
        let found = try await server.request("POST", "/collections/c/search", json: ["query": "Runde 2 Dokument 5", "k": 24])
        #expect((found.json["hits"] as? [[String: Any]])?.count == acknowledged.count)
        #expect(try await server.terminate() == 0)
        let verify = try CLIRun.glossa(["verify", root.appendingPathComponent("c").path])
        #expect(verify.status == 0, "\(verify.output)")
    }

    static func vectors(_ reply: HTTPReply, base64: Bool) throws -> [[Float]] {
        let data = try #require(reply.json["data"] as? [[String: Any]], "\(reply.text.prefix(300))")
        return try data.enumerated().map { index, item in
            #expect(item["index"] as? Int == index && item["object"] as? String == "embedding")
            if base64 {
                let text = try #require(item["embedding"] as? String)
                let bytes = try #require(Data(base64Encoded: text))
                return bytes.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
            }
            return try #require(item["embedding"] as? [Double]).map(Float.init)
        }
    }
}

/// `glossa embed` and `glossa tokenize`: the references the server must equal.
enum CLI {
    static func embed(_ texts: [String], kind: String) throws -> [[Float]] {
        let result = try CLIRun.glossa(["embed", "--kind", kind], stdin: Data((texts.joined(separator: "\n") + "\n").utf8))
        #expect(result.status == 0, "\(result.output)")
        return try String(decoding: result.stdout, as: UTF8.self).split(separator: "\n").map {
            try JSONDecoder().decode([Float].self, from: Data($0.utf8))
        }
    }

    static func tokenize(_ text: String, prefix: String) throws -> [Int] {
        let result = try CLIRun.glossa(["tokenize", "--prefix", prefix], stdin: Data((text + "\n").utf8))
        let line = String(decoding: result.stdout, as: UTF8.self).split(separator: "\n")[0]
        return try JSONDecoder().decode([Int].self, from: Data(line.utf8))
    }
}
