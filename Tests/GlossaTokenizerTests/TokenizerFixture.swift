// Shared set-up for the tokenizer tests: the real model folder's sentencepiece file (never a /tmp copy),
// the golden token files from ../shared, and a formatter for mismatch reports.
import Foundation
import GlossaTestSupport

@testable import GlossaTokenizer

enum TokenizerFixture {
    /// `<model folder>/sentencepiece.bpe.model`.
    static var modelPath: String {
        TestLocations.modelFolder.appendingPathComponent("sentencepiece.bpe.model").path
    }

    /// Suites that need both the real model and the shared goldens (fail under CI=true when missing).
    static var enabled: Bool { TestLocations.modelTestsEnabled && TestLocations.sharedTestsEnabled }

    /// One tokenizer for every test; loading 250k pieces takes about a second.
    private static let loaded: Result<Tokenizer, TokenizerError> = Result { () throws(TokenizerError) in
        try Tokenizer(modelPath: modelPath)
    }

    static func tokenizer() throws -> Tokenizer { try loaded.get() }

    /// One line of shared/golden/tokens-data.jsonl.gz.
    struct DataLine: Decodable {
        let text: String
        let ids: [Int32]
        /// What libsentencepiece 0.1.97 gives on an exact score tie; either answer is right (golden README).
        let idsAlt: [Int32]?

        enum CodingKeys: String, CodingKey {
            case text, ids
            case idsAlt = "ids_alt"
        }
    }

    /// Decompresses and decodes tokens-data.jsonl.gz with the system gzip (Foundation has no gzip).
    static func dataLines() throws -> [DataLine] {
        let path = TestLocations.shared.appendingPathComponent("golden/tokens-data.jsonl.gz").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/gzip")
        process.arguments = ["-dc", path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw CocoaError(.fileReadCorruptFile, userInfo: [NSFilePathErrorKey: path])
        }
        let decoder = JSONDecoder()
        return try data.split(separator: UInt8(ascii: "\n")).map { try decoder.decode(DataLine.self, from: Data($0)) }
    }

    /// A failure report for one text: its name, the text (escaped) and both id lists.
    static func mismatch(_ name: String, text: String, got: [Int32], expected: [Int32]) -> String {
        let firstDiff =
            zip(got, expected).enumerated().first { $0.element.0 != $0.element.1 }?.offset
            ?? min(got.count, expected.count)
        return """
            \(name): first difference at index \(firstDiff) (got \(got.count) ids, expected \(expected.count))
              text:     \(text.debugDescription.prefix(300))
              got:      \(got)
              expected: \(expected)
            """
    }
}
