// Durability: run the built `glossa index` binary, kill -9 it at 50 random moments, each followed by a rerun to
// completion; `glossa verify` must pass and every document be stored exactly once after every rerun.
import Foundation
import GlossaTestSupport
import Testing

private let binaryPresent = ReleaseBinary.present
private func run(_ arguments: [String], killAfter seconds: Double? = nil) throws -> (status: Int32, output: String) {
    try ReleaseBinary.run(arguments, killAfter: seconds)
}

@Suite(.enabled(if: TestLocations.modelTestsEnabled && (binaryPresent || TestLocations.isCI)), .serialized)
struct CrashTests {
    private static func counts(_ collection: String) throws -> (documents: Int?, chunks: Int?, output: String) {
        let info = try run(["info", collection, "--json"])
        let json = try JSONSerialization.jsonObject(with: Data(info.output.utf8)) as? [String: Any] ?? [:]
        return (json["documents"] as? Int, json["chunks"] as? Int, info.output)
    }

    /// `count` documents in 6 languages at text version `version`; every 10th needs several 64-token chunks.
    private static func corpus(_ count: Int, version: Int, in folder: URL) throws -> String {
        let languages = ["en", "de", "fr", "es", "ru", "ja"]
        let documents = (0..<count).map { i -> [String: Any] in
            var text = "Document \(i) about topic \(i % 17), revision \(version): facts \(i * 31 % 97) and \(i * 7 % 53)."
            if i % 10 == 0 { text += String(repeating: " More sentences about item \(i) keep going here.", count: 12) }
            return ["id": "d\(i)", "title": "T\(i)", "text": text, "metadata": ["lang": languages[i % 6]]]
        }
        return try Fixture.jsonl(documents, in: folder, name: "v\(version).jsonl")
    }

    @Test("50 kill -9 points during glossa index, each followed by a rerun: 0 lost, 0 duplicated, verify passes")
    func killAndRerun() throws {
        try #require(binaryPresent, "build the release binary first: swift build -c release --product glossa")
        let folder = try Fixture.folder("crash")
        defer { try? FileManager.default.removeItem(at: folder) }
        let collection = folder.appendingPathComponent("c").path
        let documentCount = 60
        // Small batches: many transactions per run, so the kills land between and inside commits.
        let options = ["--shards", "3", "--chunk-tokens", "64", "--chunk-overlap", "8", "--batch", "4", "--quiet"]
        // Three text revisions: each run after the first replaces every document, so every kill interrupts
        // real work (inserts on a fresh collection, replacements afterwards), never a run with nothing to do.
        let inputs = try (0..<3).map { try Self.corpus(documentCount, version: $0, in: folder) }
        // Clean runs give the reference chunk counts and how long a whole run takes (where to aim the kills).
        var reference: [Int] = []
        var longest = 0.0
        for (version, input) in inputs.enumerated() {
            let clean = folder.appendingPathComponent("clean\(version)").path
            let started = Date()
            #expect(try run(["index", clean, input] + options).status == 0)
            longest = max(longest, Date().timeIntervalSince(started))
            reference.append(try #require(try Self.counts(clean).chunks))
        }
        var rng = SystemRandomNumberGenerator()
        var killed = 0, lost = 0, duplicated = 0, verifyFailures = 0
        for round in 0..<50 {
            let version = round % 3
            let delay = Double.random(in: 0.02...max(longest, 0.1), using: &rng)
            let (status, _) = try run(["index", collection, inputs[version]] + options, killAfter: delay)
            if status != 0 { killed += 1 }
            let rerun = try run(["index", collection, inputs[version]] + options)
            #expect(rerun.status == 0, "round \(round): \(rerun.output)")
            let verify = try run(["verify", collection])
            if verify.status != 0 { verifyFailures += 1 }
            #expect(verify.status == 0, "round \(round): \(verify.output)")
            let (documents, chunks, output) = try Self.counts(collection)
            let stored = try #require(documents, "round \(round): \(output)")
            lost += max(0, documentCount - stored)
            duplicated += max(0, stored - documentCount) + max(0, (chunks ?? 0) - reference[version])
            #expect(stored == documentCount && chunks == reference[version], "round \(round): \(output)")
        }
        // Searching still works, finds a document by its own words, and sees the last revision.
        let search = try run(["search", collection, "Document 23 about topic 6, revision 1", "--json", "--k", "3"])
        #expect(search.status == 0 && search.output.contains("\"d23\""), "\(search.output)")
        // verify also checked each round that the lexical index holds exactly the stored chunks with exactly
        // the terms of their text; the lexical side finds the last revision's titles too.
        let lexical = try run(["search", collection, "T23", "--mode", "lexical", "--json", "--k", "1"])
        #expect(lexical.status == 0 && lexical.output.contains("\"d23\""), "\(lexical.output)")
        print("crash test: \(killed) of 50 runs killed before finishing; lost \(lost), duplicated \(duplicated), "
            + "verify failures \(verifyFailures)")
        #expect(lost == 0 && duplicated == 0 && verifyFailures == 0)
    }
}
