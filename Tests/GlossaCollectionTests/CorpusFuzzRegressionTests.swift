// Corpus inputs the FuzzCorpus target (Fuzz/) found, minimised, pinned to the behaviour they needed.
import Foundation
import GlossaCollection
import GlossaStore
import Testing

@Suite struct CorpusFuzzRegressionTests {
    /// A folder input holding an empty .md file: Foundation's contents(atPath:) leaked its 4 KiB read buffer on
    /// every empty file (LeakSanitizer, FuzzCorpus). An empty file is now reported without being read.
    @Test("an empty file in a folder input is reported as an empty document; its neighbours are read")
    func emptyFileInFolder() throws {
        let folder = try Fixture.folder("emptyfile")
        defer { try? FileManager.default.removeItem(at: folder) }
        // The minimised input: three files, one of them empty, one not UTF-8.
        FileManager.default.createFile(atPath: folder.appendingPathComponent("\u{FFFD}\u{FFFD}.md").path, contents: Data())
        FileManager.default.createFile(atPath: folder.appendingPathComponent("empty.txt").path,
                                       contents: Data([0xFF, 0xFF, 0xFF, 0xFF, 0x61, 0x64]))
        FileManager.default.createFile(atPath: folder.appendingPathComponent("notes.md").path,
                                       contents: Data("# Notes\n\nsome text".utf8))
        var documents: [InputDocument] = []
        var problems: [IngestError] = []
        try InputReader.read(path: folder.path) { result in
            switch result {
            case .success(let document): documents.append(document)
            case .failure(let error): problems.append(error)
            }
        }
        #expect(documents.map(\.id) == ["notes.md"])
        #expect(problems.count == 2)
        #expect(problems.contains { "\($0)".contains("\u{FFFD}\u{FFFD}.md") && "\($0)".contains("empty document") },
                "\(problems)")
        #expect(problems.contains { "\($0)".contains("empty.txt") && "\($0)".contains("UTF-8") }, "\(problems)")
    }

    /// A bundle whose manifest.json is empty (FuzzBundle's minimised input cut every file to nothing): the same
    /// Foundation leak on reading it, and now a refusal naming the manifest before it is read.
    @Test("an empty bundle manifest is refused naming the file")
    func emptyBundleManifest() throws {
        let folder = try Fixture.folder("emptymanifest")
        defer { try? FileManager.default.removeItem(at: folder) }
        for name in ["manifest.json", "rows.jsonl", "vectors.f32.npy"] {
            FileManager.default.createFile(atPath: folder.appendingPathComponent(name).path, contents: Data())
        }
        #expect {
            _ = try BundleReader(folder: folder)
        } throws: { error in
            guard case IngestError.bundle(let file, _, _, let reason) = error else { return false }
            return file.hasSuffix("/manifest.json") && reason.contains("empty")
        }
    }
}
