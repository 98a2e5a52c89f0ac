// The embedding cache and the bitext file task with a fake embedder: hits skip the embedder, duplicate
// texts are embedded once, damaged files are named, and SHA-256 matches the NIST vectors.
import Foundation
import Synchronization
import Testing

@testable import GlossaEval

/// Embeds a text as (length, count of "a", count of "b", 1) and counts the texts it was asked for.
final class CountingEmbedder: TextEmbedder {
    let identity: String
    let calls = Mutex<[Int]>([])

    init(identity: String = "fake-v1") { self.identity = identity }

    func embedQueries(_ texts: [String], progress: (Int, Int) -> Void) throws -> [[Float]] {
        calls.withLock { $0.append(texts.count) }
        progress(texts.count, texts.count)
        return texts.map { text in
            [Float(text.count), Float(text.count(where: { $0 == "a" })), Float(text.count(where: { $0 == "b" })), 1]
        }
    }
}

@Suite struct EmbeddingCacheTests {
    func temporaryFolder() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("glossa-cache-\(UUID().uuidString)").path
    }

    @Test("SHA-256 matches the FIPS 180-4 examples")
    func sha256() {
        #expect(SHA256.hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256.hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")
            == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(SHA256.hex(String(repeating: "a", count: 1000))
            == "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3")
    }

    @Test("a second embed of the same texts is served from the file; duplicates are embedded once")
    func hitAndDeduplication() throws {
        let cache = EmbeddingCache(folder: temporaryFolder())
        let embedder = CountingEmbedder()
        let texts = ["ab", "aab", "ab", "b"]
        let first = try cache.embed(texts, with: embedder)
        #expect(embedder.calls.withLock { $0 } == [3])
        #expect(first[0] == first[2])
        #expect(first[1] == [3, 2, 1, 1])
        let second = try cache.embed(texts, with: embedder)
        #expect(embedder.calls.withLock { $0 } == [3])
        #expect(second == first)
    }

    @Test("the key depends on the embedder identity and on text boundaries")
    func keys() {
        #expect(EmbeddingCache.key(identity: "a", texts: ["x"]) != EmbeddingCache.key(identity: "b", texts: ["x"]))
        #expect(EmbeddingCache.key(identity: "a", texts: ["ab", "c"]) != EmbeddingCache.key(identity: "a", texts: ["a", "bc"]))
    }

    @Test("a damaged cache file is reported with its path instead of being used")
    func damaged() throws {
        let cache = EmbeddingCache(folder: temporaryFolder())
        let embedder = CountingEmbedder()
        _ = try cache.embed(["ab"], with: embedder)
        let key = EmbeddingCache.key(identity: embedder.identity, texts: ["ab"])
        let path = cache.path(for: key)
        try Data("GLEMBED1 truncated".utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: EvalError.self) { try cache.embed(["ab"], with: embedder) }
        do {
            _ = try cache.embed(["ab"], with: embedder)
        } catch {
            #expect(String(describing: error).contains(path))
        }
    }

    @Test("bitext on files: aligned lines scored, mismatched line counts rejected")
    func bitextFiles() throws {
        let folder = temporaryFolder()
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let source = folder + "/s.txt", target = folder + "/t.txt", short = folder + "/short.txt"
        try Data("a\nbb\naaa\n".utf8).write(to: URL(fileURLWithPath: source))
        try Data("aa\nb\naaaa\n".utf8).write(to: URL(fileURLWithPath: target))
        try Data("aa\n".utf8).write(to: URL(fileURLWithPath: short))
        let task = BitextEvaluation(embedder: CountingEmbedder(), cache: EmbeddingCache(folder: folder + "/cache"))
        let scores = try task.run(sourcePath: source, targetPath: target)
        // Vectors (length, #a, #b, 1). By hand: "a" is nearest "aa" (cos 0.962 vs 0.667, 0.904), "bb" nearest
        // "b" (0.962), "aaa" nearest "aaaa" (0.998 vs 0.994): all three right.
        #expect(scores == BitextScores(pairs: 3, accuracy: 1, f1: 1))
        #expect(throws: EvalError.mismatch(what: "lines in \(short) (to pair with \(source))", expected: 3, actual: 1)) {
            try task.run(sourcePath: source, targetPath: short)
        }
    }
}
