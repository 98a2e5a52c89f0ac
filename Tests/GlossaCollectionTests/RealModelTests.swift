// End to end with the real parts: the mE5-small model, FAISS and SQLite, on the shipped
// multilingual samples (each query asked in a different language from its answer).
import Foundation
import GlossaCollection
import GlossaEncoder
import GlossaSearch
import GlossaStore
import GlossaTestSupport
import Testing

struct Sample {
    let passages: String
    let queries: [Query]
    /// Query id → relevant passage id.
    let answers: [String: String]
    /// Passage id → language; query id → language.
    let passageLanguage: [String: String]
    let queryLanguage: [String: String]

    static func load() throws -> Sample {
        let root = TestLocations.repoRoot.appendingPathComponent("samples")
        let passages = root.appendingPathComponent("passages.jsonl").path
        let queries = try Query.read(path: root.appendingPathComponent("queries.jsonl").path)
        var answers: [String: String] = [:]
        let qrels = try String(contentsOf: root.appendingPathComponent("qrels.tsv"), encoding: .utf8)
        for line in qrels.split(separator: "\n").dropFirst() {
            let fields = line.split(separator: "\t").map(String.init)
            answers[fields[0]] = fields[1]
        }
        func languages(_ path: String, key: String) throws -> [String: String] {
            var result: [String: String] = [:]
            let text = try String(contentsOfFile: path, encoding: .utf8)
            for line in text.split(separator: "\n") {
                let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] ?? [:]
                let metadata = object["metadata"] as? [String: Any] ?? [:]
                result["\(object[key] ?? "")"] = metadata["lang"] as? String
            }
            return result
        }
        return Sample(passages: passages, queries: queries, answers: answers,
                      passageLanguage: try languages(passages, key: "id"),
                      queryLanguage: try languages(root.appendingPathComponent("queries.jsonl").path, key: "_id"))
    }
}

@Suite(.enabled(if: TestLocations.modelTestsEnabled), .serialized)
struct RealModelTests {
    static func indexSamples(shards: Int = 1) throws -> (DocumentCollection, Encoder, Sample) {
        let encoder = try Encoder(modelFolder: TestLocations.modelFolder.path)
        let sample = try Sample.load()
        let folder = try Fixture.folder("real").appendingPathComponent("samples")
        let collection = try DocumentCollection(
            folder: folder, model: (encoder.modelName, encoder.dimension), create: CollectionSettings(shardCount: shards),
            writable: true, backend: FaissBackend())
        let report = try collection.ingest(inputs: [sample.passages], encoder: encoder)
        #expect(report.inserted == sample.passageLanguage.count && report.skipped == 0)
        return (collection, encoder, sample)
    }

    @Test("a question in one language retrieves the passage that answers it in another, at rank 1")
    func crossLingualRankOne() throws {
        let (collection, encoder, sample) = try Self.indexSamples(shards: 2)
        #expect(sample.queries.count >= 15)
        let results = try Searcher(collection: collection, encoder: encoder).search(queries: sample.queries, k: 5)
        for (query, hits) in zip(sample.queries, results) {
            let answer = try #require(sample.answers[query.id])
            // The answer really is in another language than the question.
            #expect(sample.queryLanguage[query.id] != sample.passageLanguage[answer], "\(query.id)")
            #expect(hits.first?.id == answer, "\(query.id) '\(query.text)': got \(hits.map(\.id))")
        }
    }

    @Test("with the real model, updates and deletes take effect and filters stay exact")
    func updateDeleteFilter() throws {
        let (collection, encoder, _) = try Self.indexSamples()
        let searcher = Searcher(collection: collection, encoder: encoder)
        let folder = try Fixture.folder("real-update")
        let changed = try Fixture.jsonl(
            [["id": "de-brezel", "title": "Zugspitze", "text": "Die Zugspitze ist mit 2962 Metern der höchste Berg Deutschlands.",
              "metadata": ["lang": "de", "topic": "geography"]]], in: folder)
        let report = try collection.ingest(inputs: [changed], encoder: encoder)
        #expect(report.replaced == 1 && report.chunksEmbedded == 1)
        let updated = try #require(try searcher.search("Wie hoch ist die Zugspitze?", k: 1).first)
        #expect(updated.id == "de-brezel" && updated.text.contains("Zugspitze"))
        #expect(updated.metadata["topic"] == .string("geography"))
        _ = try collection.delete(externalIDs: ["ru-gagarin"])
        let space = try searcher.search("Who was the first person to travel into space?", k: 5)
        #expect(!space.contains { $0.id == "ru-gagarin" })
        let german = try searcher.search("Who was born in Bonn?", k: 4, filters: [MetadataFilter(key: "lang", value: "de")])
        #expect(german.count == 4 && german.allSatisfy { $0.metadata["lang"] == .string("de") })
        #expect(german.first?.id == "de-beethoven")
        #expect(try collection.verify().isConsistent)
    }
}
