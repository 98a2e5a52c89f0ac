// Hostile input over real HTTP against the built server: collection names that try to leave the collections
// folder (dot segments, encoded slashes and dots, NUL, over-long), sent byte for byte on a raw socket so no client
// normalises them first; bodies of invalid UTF-8 and 100,000-deep nesting; document ids that look like paths.
import Foundation
import GlossaTestSupport
import Testing

@Suite(.enabled(if: TestLocations.modelTestsEnabled))
struct ServerHostileInputTests {
    /// The status code of a raw HTTP/1.1 exchange (0 when no status line came back).
    private static func status(port: Int, _ method: String, _ target: String, body: String = "{}") throws -> Int {
        let reply = try RawSocket.exchange(port: port, send: "\(method) \(target) HTTP/1.1\r\nHost: x\r\n"
            + "Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)",
            waitSeconds: 10)
        let parts = reply.split(separator: " ", maxSplits: 2)
        return parts.count >= 2 && parts[0].hasPrefix("HTTP/1.1") ? Int(parts[1]) ?? 0 : 0
    }

    @Test("collection names over HTTP never reach outside the collections folder")
    func traversalNames() async throws {
        let root = try ServerProcess.makeRoot("traversal")
        let server = try await ServerProcess(root: root)
        defer { try? FileManager.default.removeItem(at: root) }
        let port = try #require(server.baseURL.port)
        #expect(try await server.request("POST", "/collections", json: ["name": "docs"]).status == 201)
        // A file beside the root that a successful escape would read or overwrite.
        let outside = root.deletingLastPathComponent().appendingPathComponent("outside-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: outside, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: outside) }
        let escape = "..%2F" + outside.lastPathComponent
        let names = ["..", "%2e%2e", "%2E%2E%2F%2E%2E", escape, "..%2f..%2fetc", "docs%2F..%2F..", "docs%00", "%00",
                     ".", "%2e", "a%5C..%5C..", String(repeating: "n", count: 129), "docs%20", "%C0%AE%C0%AE"]
        for name in names {
            for (method, suffix, body) in [
                ("GET", "", ""), ("POST", "/search", #"{"query": "x"}"#),
                ("PUT", "/documents", #"{"documents": [{"id": "a", "text": "b"}]}"#),
                ("GET", "/documents/a", ""), ("DELETE", "/documents/a", ""),
            ] {
                let code = try Self.status(port: port, method, "/collections/\(name)\(suffix)", body: body)
                #expect([400, 404].contains(code), "\(method) /collections/\(name)\(suffix) answered \(code)")
            }
            let created = try Self.status(port: port, "POST", "/collections", body: "{\"name\": \"\(name)\"}")
            #expect(created == 400, "POST /collections name \(name) answered \(created)")
        }
        let createdOutside = try FileManager.default.contentsOfDirectory(atPath: outside.path)
        #expect(createdOutside.isEmpty, "\(createdOutside)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: root.path) == ["docs"])
        #expect(try await server.terminate() == 0)
    }

    @Test("invalid UTF-8 and 100,000-deep nesting in a body are 400s; ids that look like paths are just ids")
    func hostileBodies() async throws {
        let root = try ServerProcess.makeRoot("bodies")
        let server = try await ServerProcess(root: root)
        defer { try? FileManager.default.removeItem(at: root) }
        #expect(try await server.request("POST", "/collections", json: ["name": "docs"]).status == 201)
        let invalid = Data(#"{"documents": [{"id": "a", "text": "x"#.utf8) + Data([0xFF, 0xC3, 0x28]) + Data(#""}]}"#.utf8)
        let deep = Data(#"{"query": "x", "filters": {"a": "#.utf8) + Data(String(repeating: "[", count: 100_000).utf8)
            + Data(String(repeating: "]", count: 100_000).utf8) + Data("}}".utf8)
        for (path, body) in [("/collections/docs/documents", invalid), ("/collections/docs/search", deep),
                             ("/v1/embeddings", Data(String(repeating: "[", count: 100_000).utf8))] {
            let method = path.hasSuffix("documents") ? "PUT" : "POST"
            let reply = try await server.request(method, path, body: body)
            #expect(reply.status == 400, "\(path): \(reply.status) \(reply.text.prefix(200))")
            #expect(!reply.errorMessage.isEmpty)
        }
        // A NUL in an id is refused naming the field (SQLite would store "a\0b" as "a").
        let nul = try await server.request("PUT", "/collections/docs/documents", json: [
            "documents": [["id": "ok", "text": "fine"], ["id": "a\u{0}b", "text": "x"]],
        ])
        #expect(nul.status == 400 && nul.errorParam == "documents[1].id", "\(nul.text)")
        // Ids with ../ are stored and read back exactly (percent-encoded in the URL); no file appears.
        let ids = ["../../etc/passwd", "x/../y", "..", "%2e%2e"]
        let put = try await server.request("PUT", "/collections/docs/documents", json: [
            "documents": ids.map { ["id": $0, "text": "text of \($0)"] },
        ])
        #expect(put.status == 200, "\(put.text)")
        for id in ids {
            let encoded = try #require(id.addingPercentEncoding(withAllowedCharacters: .alphanumerics))
            let reply = try await server.request("GET", "/collections/docs/documents/\(encoded)")
            #expect(reply.status == 200 && reply.json["id"] as? String == id, "\(id.debugDescription): \(reply.text)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: root.path) == ["docs"])
        #expect(try await server.terminate() == 0)
    }
}
