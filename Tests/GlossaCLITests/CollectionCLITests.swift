// The collection commands end to end on the real model: index samples/passages.jsonl into a temporary
// collection, search across languages (--json shape), info --json, verify, delete, and search again.
import Foundation
import GlossaTestSupport
import Testing

@Suite("glossa index / search / info / verify / delete", .enabled(if: TestLocations.modelTestsEnabled))
struct CollectionCLITests {
    private static let passages = TestLocations.repoRoot.appendingPathComponent("samples/passages.jsonl")

    /// The ids of samples/passages.jsonl, in file order.
    private static func passageIDs() throws -> [String] {
        struct Line: Decodable { let id: String }
        let data = try Data(contentsOf: passages)
        return try data.split(separator: UInt8(ascii: "\n")).map {
            try JSONDecoder().decode(Line.self, from: Data($0)).id
        }
    }

    private static func object(_ text: String, _ context: String) throws -> [String: Any] {
        let value = try JSONSerialization.jsonObject(with: Data(text.utf8))
        return try #require(value as? [String: Any], "\(context): not a JSON object: \(text)")
    }

    /// Runs `search --json` and checks the output shape; returns the hit ids in rank order.
    private static func search(_ collection: URL, _ query: String, k: Int) throws -> [String] {
        let result = try CLI.run(["search", collection.path, query, "--json", "--k", "\(k)"])
        try #require(result.status == 0, "search: \(result.summary)")
        let top = try object(result.out, "search --json")
        #expect(Set(top.keys) == ["query", "hits"], "search --json keys: \(top.keys.sorted())")
        #expect(top["query"] as? String == query)
        let hits = try #require(top["hits"] as? [[String: Any]], "hits is not an array of objects: \(result.out)")
        var ids: [String] = []
        var previous = Double.infinity
        for hit in hits {
            #expect(Set(hit.keys) == ["id", "score", "title", "text", "metadata", "chunk"], "hit keys: \(hit.keys)")
            let id = try #require(hit["id"] as? String, "hit id: \(hit)")
            let score = try #require((hit["score"] as? NSNumber)?.doubleValue, "hit score: \(hit)")
            #expect(score <= previous + 1e-6, "scores not in descending order at \(id)")
            previous = score
            #expect(hit["title"] is String, "title of \(id)")
            #expect(!((hit["text"] as? String) ?? "").isEmpty, "text of \(id)")
            #expect(hit["metadata"] is [String: Any], "metadata of \(id)")
            let chunk = try #require(hit["chunk"] as? [String: Any], "chunk of \(id)")
            #expect(Set(chunk.keys) == ["start", "end"], "chunk keys of \(id): \(chunk.keys)")
            let start = try #require((chunk["start"] as? NSNumber)?.intValue)
            let end = try #require((chunk["end"] as? NSNumber)?.intValue)
            #expect(0 <= start && start < end, "chunk span of \(id): \(start)..<\(end)")
            ids.append(id)
        }
        return ids
    }

    @Test("index, search --json across languages, info --json, verify, delete, search again")
    func lifecycle() throws {
        let folder = try CLI.makeTemp("collection")
        defer { CLI.removeTemp(folder) }
        let collection = folder.appendingPathComponent("samples")
        let ids = try Self.passageIDs()
        #expect(ids.contains("en-eiffel"))

        let index = try CLI.run(["index", collection.path, Self.passages.path, "--quiet"])
        try #require(index.status == 0, "index: \(index.summary)")

        // A German question whose only answer is the English passage.
        let query = "Wann wurde der Eiffelturm in Paris fertiggestellt?"
        let before = try Self.search(collection, query, k: 5)
        #expect(before.first == "en-eiffel", "rank 1 is \(before.first ?? "nothing"): \(before)")
        #expect(before.count == 5)

        let info = try CLI.run(["info", collection.path, "--json"])
        try #require(info.status == 0, "info: \(info.summary)")
        let infoObject = try Self.object(info.out, "info --json")
        #expect((infoObject["documents"] as? NSNumber)?.intValue == ids.count, "\(info.out)")
        #expect((infoObject["dimension"] as? NSNumber)?.intValue == 384, "\(info.out)")
        let chunks = try #require((infoObject["chunks"] as? NSNumber)?.intValue, "\(info.out)")
        #expect(chunks >= ids.count, "\(info.out)")

        let verify = try CLI.run(["verify", collection.path])
        #expect(verify.status == 0, "verify: \(verify.summary)")

        let delete = try CLI.run(["delete", collection.path, "en-eiffel"])
        try #require(delete.status == 0, "delete: \(delete.summary)")
        let after = try Self.search(collection, query, k: ids.count)
        #expect(!after.contains("en-eiffel"), "en-eiffel still returned after delete: \(after)")
        #expect(after.count == ids.count - 1, "\(after.count) hits for \(ids.count - 1) remaining documents")

        let infoAfter = try Self.object(try CLI.run(["info", collection.path, "--json"]).out, "info --json")
        #expect((infoAfter["documents"] as? NSNumber)?.intValue == ids.count - 1)
        let verifyAfter = try CLI.run(["verify", collection.path])
        #expect(verifyAfter.status == 0, "verify after delete: \(verifyAfter.summary)")
    }

    @Test("search on a folder that is not a collection exits non-zero naming it")
    func searchMissingCollection() throws {
        let folder = try CLI.makeTemp("nocollection")
        defer { CLI.removeTemp(folder) }
        let missing = folder.appendingPathComponent("absent")
        let result = try CLI.run(["search", missing.path, "hello", "--json"])
        #expect(result.status != 0, "\(result.summary)")
        #expect(result.err.contains(missing.path), "\(result.summary)")
    }
}
