// Durability: run the built `glossa index` binary, kill -9 it at random moments several times,
// rerun to completion; `glossa verify` must pass and every document be stored exactly once.
import Foundation
import GlossaTestSupport
import Testing

private let binary = TestLocations.repoRoot.appendingPathComponent(".build/release/glossa")
private var binaryPresent: Bool { FileManager.default.isExecutableFile(atPath: binary.path) }

private func run(_ arguments: [String], killAfter seconds: Double? = nil) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = binary
    process.arguments = arguments
    var environment = ProcessInfo.processInfo.environment
    environment["GLOSSA_MODEL"] = TestLocations.modelFolder.path
    process.environment = environment
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    if let seconds {
        Thread.sleep(forTimeInterval: seconds)
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}

@Suite(.enabled(if: TestLocations.modelTestsEnabled && (binaryPresent || TestLocations.isCI)), .serialized)
struct CrashTests {
    @Test("kill -9 during glossa index at random moments, then rerun: verify passes, counts exact, both sides agree")
    func killAndRerun() throws {
        try #require(binaryPresent, "build the release binary first: swift build -c release --product glossa")
        let folder = try Fixture.folder("crash")
        let collection = folder.appendingPathComponent("c").path
        // 240 documents in 6 languages; every 10th is long enough to need several 64-token chunks.
        let languages = ["en", "de", "fr", "es", "ru", "ja"]
        var documents: [[String: Any]] = []
        for i in 0..<240 {
            var text = "Document \(i) about topic \(i % 17): facts number \(i * 31 % 97) and \(i * 7 % 53)."
            if i % 10 == 0 { text += String(repeating: " More sentences about item \(i) keep going here.", count: 30) }
            documents.append(["id": "d\(i)", "title": "T\(i)", "text": text, "metadata": ["lang": languages[i % 6]]])
        }
        let input = try Fixture.jsonl(documents, in: folder)
        let options = ["--shards", "3", "--chunk-tokens", "64", "--chunk-overlap", "8", "--batch", "8", "--quiet"]
        var rng = SystemRandomNumberGenerator()
        var killed = 0
        for _ in 0..<5 {
            let delay = Double.random(in: 0.3...2.5, using: &rng)
            let (status, _) = try run(["index", collection, input] + options, killAfter: delay)
            if status != 0 { killed += 1 }
        }
        let final = try run(["index", collection, input] + options)
        #expect(final.status == 0, "\(final.output)")
        // verify also checks that the lexical index holds exactly the stored chunks, with exactly the terms
        // of their text: the lexical and dense sides survived the kills in step.
        let verify = try run(["verify", collection])
        #expect(verify.status == 0, "\(verify.output)")
        let counts = verify.output.split(separator: "\n").first.map(String.init) ?? ""
        let numbers = counts.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
        // "240 documents, N chunks in 3 shards, N in the lexical index"
        #expect(numbers.count == 4 && numbers[1] == numbers[3], "\(verify.output)")
        let info = try run(["info", collection, "--json"])
        let json = try JSONSerialization.jsonObject(with: Data(info.output.utf8)) as? [String: Any] ?? [:]
        #expect(json["documents"] as? Int == 240, "\(info.output)")
        // A clean, uninterrupted run gives the reference chunk count.
        let clean = folder.appendingPathComponent("clean").path
        #expect(try run(["index", clean, input] + options).status == 0)
        let cleanInfo = try run(["info", clean, "--json"])
        let reference = try JSONSerialization.jsonObject(with: Data(cleanInfo.output.utf8)) as? [String: Any] ?? [:]
        #expect(json["chunks"] as? Int == reference["chunks"] as? Int && (reference["chunks"] as? Int ?? 0) > 240)
        // Searching still works and finds a document by its own words.
        let search = try run(["search", collection, "Document 123 about topic 4", "--json", "--k", "3"])
        #expect(search.status == 0 && search.output.contains("\"d123\""), "\(search.output)")
        let lexical = try run(["search", collection, "T123", "--mode", "lexical", "--json", "--k", "1"])
        #expect(lexical.status == 0 && lexical.output.contains("\"d123\""), "\(lexical.output)")
        print("crash test: \(killed) of 5 runs killed before finishing")
    }
}
