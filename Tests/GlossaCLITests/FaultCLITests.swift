// Faults as a user of the command line meets them: a collection on a read-only mount (search works, index and
// delete are refused saying so), a damaged collection.sqlite and a model file cut short (exit 1 with the reason,
// never a crash signal).
import Foundation
import GlossaTestSupport
import Testing

@Suite(.enabled(if: TestLocations.modelTestsEnabled), .serialized)
struct FaultCLITests {
    private static let documents = [
        #"{"id": "paris", "text": "Der Eiffelturm steht in Paris.", "metadata": {"lang": "de"}}"#,
        #"{"id": "kyoto", "text": "Kyoto was the capital of Japan for a thousand years.", "metadata": {"lang": "en"}}"#,
        #"{"id": "seine", "text": "La Seine traverse Paris.", "metadata": {"lang": "fr"}}"#,
    ]

    private static func makeCollection(in folder: URL) throws -> (collection: String, input: String) {
        let input = folder.appendingPathComponent("docs.jsonl").path
        try CLI.lines(documents).write(to: URL(fileURLWithPath: input))
        let collection = folder.appendingPathComponent("c").path
        let indexed = try CLI.run(["index", collection, input, "--quiet"])
        #expect(indexed.status == 0, "\(indexed.summary)")
        return (collection, input)
    }

    @Test("on a read-only mount: search works; index and delete are refused naming the read-only database",
          .enabled(if: TmpfsMount.testsEnabled, "needs root to mount a tmpfs read-only"))
    func readOnlyMount() throws {
        let mount = try TmpfsMount(size: "8m")
        defer { mount.unmount() }
        let (collection, input) = try Self.makeCollection(in: mount.url)
        try mount.remount(readOnly: true)

        let search = try CLI.run(["search", collection, "Wo steht der Eiffelturm?", "--json", "--k", "1"])
        #expect(search.status == 0 && search.out.contains("\"paris\""), "\(search.summary)")
        #expect(search.err.isEmpty, "a read-only search printed: \(search.err)")
        #expect(try CLI.run(["verify", collection]).status == 0)
        for arguments in [["index", collection, input], ["delete", collection, "paris"]] {
            let refused = try CLI.run(arguments)
            #expect(refused.status == 1, "\(arguments[0]): \(refused.summary)")
            #expect(refused.err.contains("read-only") && refused.err.contains(collection), "\(refused.err)")
        }
    }

    @Test("a damaged collection.sqlite: search, info and index exit 1 with the reason, never a crash")
    func damagedDatabase() throws {
        let folder = try CLI.makeTemp("damaged")
        defer { CLI.removeTemp(folder) }
        let (collection, input) = try Self.makeCollection(in: folder)
        let database = URL(fileURLWithPath: collection).appendingPathComponent("collection.sqlite")
        let handle = try FileHandle(forWritingTo: database)
        try handle.write(contentsOf: Data(repeating: 0xA5, count: 100))
        try handle.close()
        for arguments in [["search", collection, "Paris"], ["info", collection], ["index", collection, input],
                          ["verify", collection]] {
            let result = try CLI.run(arguments)
            #expect(result.status == 1, "\(arguments[0]): \(result.summary)")
            #expect(result.err.contains("damaged") && result.err.contains(database.path), "\(result.err)")
        }
    }

    @Test("a model.safetensors cut short is refused naming the file; nothing is indexed")
    func truncatedModel() throws {
        let folder = try CLI.makeTemp("cutmodel")
        defer { CLI.removeTemp(folder) }
        let model = folder.appendingPathComponent("model")
        try FileManager.default.createDirectory(at: model, withIntermediateDirectories: true)
        for name in ["config.json", "sentencepiece.bpe.model"] {
            try FileManager.default.copyItem(at: TestLocations.modelFolder.appendingPathComponent(name),
                                             to: model.appendingPathComponent(name))
        }
        // The header and the first tensors, then the file stops.
        let full = try FileHandle(forReadingFrom: TestLocations.modelFolder.appendingPathComponent("model.safetensors"))
        let head = try full.read(upToCount: 2_000_000) ?? Data()
        try full.close()
        try head.write(to: model.appendingPathComponent("model.safetensors"))
        let input = folder.appendingPathComponent("docs.jsonl").path
        try CLI.lines(Self.documents).write(to: URL(fileURLWithPath: input))
        let collection = folder.appendingPathComponent("c").path
        for arguments in [["index", collection, input], ["embed"]] {
            let result = try CLI.run(arguments + ["--model", model.path], stdin: CLI.lines(["hello"]))
            #expect(result.status == 1, "\(arguments[0]): \(result.summary)")
            #expect(result.err.contains("model.safetensors") && result.err.contains("truncated"), "\(result.err)")
        }
        #expect(!FileManager.default.fileExists(atPath: collection))
    }
}
