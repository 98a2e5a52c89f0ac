// Bad inputs give typed errors whose messages name the file or value and say what to do.
import Foundation
import GlossaTestSupport
import Testing

@testable import GlossaTokenizer

@Suite("Tokenizer errors")
struct TokenizerErrorTests {
    @Test("a missing model file is modelNotFound naming the path")
    func missingFile() {
        let path = "/nonexistent/glossa/sentencepiece.bpe.model"
        #expect(throws: TokenizerError.modelNotFound(path: path)) { try Tokenizer(modelPath: path) }
        #expect(TokenizerError.modelNotFound(path: path).description.contains(path))
    }

    @Test("a folder instead of the file is modelNotFound")
    func directory() {
        let path = FileManager.default.temporaryDirectory.path
        #expect(throws: TokenizerError.modelNotFound(path: path)) { try Tokenizer(modelPath: path) }
    }

    @Test("a file that is not a sentencepiece model is modelUnreadable naming the path")
    func garbage() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("glossa-not-a-model-\(UUID()).model")
        try Data("this is not a protobuf".utf8).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        do {
            _ = try Tokenizer(modelPath: url.path)
            Issue.record("loading garbage succeeded")
        } catch {
            guard case .modelUnreadable(let path, _) = error else {
                Issue.record("unexpected error \(error)")
                return
            }
            #expect(path == url.path)
            #expect(error.description.contains(url.path))
        }
    }

    @Test("maxLength below 3 is rejected", .enabled(if: TokenizerFixture.enabled), arguments: [-1, 0, 2])
    func smallMaxLength(maxLength: Int) throws {
        let tokenizer = try TokenizerFixture.tokenizer()
        #expect(throws: TokenizerError.invalidMaxLength(maxLength)) {
            try tokenizer.encode("hello", kind: .query, maxLength: maxLength)
        }
    }

    @Test(
        "malformed UTF-8 never reaches the tokenizer: String repairs it to U+FFFD",
        .enabled(if: TokenizerFixture.enabled))
    func repairedInput() throws {
        let tokenizer = try TokenizerFixture.tokenizer()
        let repaired = String(decoding: [0x61, 0xFF, 0x62] as [UInt8], as: UTF8.self)
        #expect(try tokenizer.encode(repaired, kind: .none) == tokenizer.encode("a\u{FFFD}b", kind: .none))
    }
}
