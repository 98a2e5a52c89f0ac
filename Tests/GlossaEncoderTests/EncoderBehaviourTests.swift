// Behaviour beyond parity, on the tiny XLM-R fixture (always present): errors that name their input,
// long-text policies, very large inputs, instruct prefixes and progress reporting.
import Foundation
import GlossaCore
import GlossaEncoder
import GlossaTestSupport
import Testing

@Suite struct EncoderBehaviourTests {
    let encoder: Encoder

    init() throws { encoder = try Encoder(modelFolder: TinyReference.folder.path) }

    @Test("a missing folder is an error that names the path")
    func missingFolder() {
        let path = "/nonexistent/glossa-model"
        #expect {
            _ = try Encoder(modelFolder: path)
        } throws: { error in
            guard case EncoderError.modelFolder(let named, _) = error else { return false }
            return named == path && "\(error)".contains(path)
        }
    }

    @Test("a weight whose shape contradicts config.json names the tensor, expected and actual shapes")
    func shapeMismatch() throws {
        let folder = try folderWithEditedConfig(from: TinyReference.folder) { $0["intermediate_size"] = 48 }
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect {
            _ = try Encoder(modelFolder: folder.path)
        } throws: { error in
            guard case EncoderError.shapeMismatch(_, let tensor, let expected, let actual) = error else { return false }
            let message = "\(error)"
            return tensor == "encoder.layer.0.intermediate.dense.weight" && expected == [48, 32]
                && actual == [64, 32] && message.contains(tensor) && message.contains("[48, 32]")
                && message.contains("[64, 32]")
        }
    }

    @Test("an activation other than gelu is refused, naming the field, the value and the folder")
    func unsupportedActivation() throws {
        let folder = try folderWithEditedConfig(from: TinyReference.folder) { $0["hidden_act"] = "relu" }
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect {
            _ = try Encoder(modelFolder: folder.path)
        } throws: { error in
            // GlossaModel's config check or the encoder's own, whichever runs first.
            let message = "\(error)"
            return message.contains("hidden_act") && message.contains("relu") && message.contains(folder.path)
        }
    }

    @Test(
        "bad token id sequences are refused with their index",
        arguments: [
            ([[0, 5, 2], []] as [[Int32]], 1),
            ([[0, 1002, 2]], 0),
            ([[0, 5, 2], [0, 5, 2], [0, -1, 2]], 2),
            ([[Int32](repeating: 5, count: 513)], 0),
        ])
    func invalidTokenIDs(ids: [[Int32]], badIndex: Int) {
        #expect {
            _ = try encoder.embed(tokenIDs: ids)
        } throws: { error in
            guard case EncoderError.invalidTokenIDs(let index, _) = error else { return false }
            return index == badIndex && "\(error)".contains("#\(badIndex + 1)")
        }
    }

    @Test("empty input gives no vectors; every vector has unit length")
    func emptyAndUnitLength() throws {
        #expect(try encoder.embed(queries: []).isEmpty)
        for vector in try encoder.embed(queries: ["", " ", "\t\n", "a"]) {
            #expect(vector.count == 32)
            #expect(abs(vector.map { $0 * $0 }.reduce(0, +) - 1) < 1e-5)
        }
    }

    @Test("an empty text encodes the prefix alone, like the reference")
    func emptyText() throws {
        let ids = try encoder.tokenizer.encode("", kind: .query)
        expectClose(try encoder.embed(queries: [""])[0], try encoder.embed(tokenIDs: [ids])[0], "empty")
    }

    @Test("a 1 MB text is truncated to its first 512 tokens without blowing up")
    func megabyteText() throws {
        let huge = String(repeating: "hello world ", count: 90_000)
        let head = String(repeating: "hello world ", count: 600)
        #expect(huge.utf8.count > 1_000_000)
        let vectors = try encoder.embed(passages: [huge, head])
        expectClose(vectors[0], vectors[1], "1 MB text vs its head")
    }

    @Test("mean of windows: short texts are unchanged, long texts average their 510-token windows")
    func meanOfWindows() throws {
        let short = "a short text"
        let truncated = try encoder.embed([short], kind: .passage)[0]
        let windowed = try encoder.embed([short], kind: .passage, longTexts: .meanOfWindows)[0]
        expectClose(windowed, truncated, "short text")

        let long = String(repeating: "hello world again ", count: 300)
        let content = try encoder.tokenizer.contentTokens(TextKind.passage.apply(to: long)).map(\.id)
        #expect(content.count > 1020)
        let windows = stride(from: 0, to: content.count, by: 510).map { start in
            [Int32(0)] + content[start..<min(content.count, start + 510)] + [Int32(2)]
        }
        let perWindow = try encoder.embed(tokenIDs: windows)
        var mean = [Float](repeating: 0, count: 32)
        for vector in perWindow { for j in 0..<32 { mean[j] += vector[j] / Float(perWindow.count) } }
        let norm = mean.map { $0 * $0 }.reduce(0, +).squareRoot()
        let expected = mean.map { $0 / norm }
        let got = try encoder.embed([long, short], kind: .passage, longTexts: .meanOfWindows)
        expectClose(got[0], expected, "long text, \(windows.count) windows")
        expectClose(got[1], truncated, "short text beside a long one")
        #expect(Numeric.maxAbsDiff(got[0], try encoder.embed([long], kind: .passage)[0]) > 1e-4)
    }

    @Test("instruction queries use the Instruct template")
    func instruction() throws {
        let task = "Given a question, retrieve passages"
        let ids = try encoder.tokenizer.encode("what", kind: .instructedQuery(task: task))
        expectClose(
            try encoder.embed(queries: ["what"], instruction: task)[0], try encoder.embed(tokenIDs: [ids])[0],
            "instruct")
    }

    @Test("progress reaches the total, and never goes backwards")
    func progress() throws {
        let small = try Encoder(modelFolder: TinyReference.folder.path, tokenBudget: 512)
        let texts = (0..<40).map { "text number \($0) " + String(repeating: "word ", count: $0 * 3) }
        var seen: [Int] = []
        _ = try small.embed(texts, kind: .passage) { done, total in
            #expect(total == 40)
            seen.append(done)
        }
        #expect(seen.count > 1)
        #expect(seen == seen.sorted())
        #expect(seen.last == 40)
    }

    @Test("inputs of several slices (tokenised while the previous slice encodes) keep their order and values")
    func severalSlices() throws {
        // More than two of Encoder's 4,096-text slices, with lengths that differ from slice to slice.
        let texts = (0..<9_000).map { "item \($0) " + String(repeating: "w\($0 % 7) ", count: $0 % 13) }
        var seen: [Int] = []
        let all = try encoder.embed(texts, kind: .passage) { done, total in
            #expect(total == texts.count)
            seen.append(done)
        }
        #expect(all.count == texts.count)
        #expect(seen == seen.sorted() && seen.last == texts.count)
        for start in [0, 4_090, 8_190, 8_990] {
            let end = min(texts.count, start + 10)
            let alone = try encoder.embed(Array(texts[start..<end]), kind: .passage)
            for (offset, vector) in alone.enumerated() {
                #expect(Numeric.maxAbsDiff(vector, all[start + offset]) <= Tolerance.fp32Component, "text \(start + offset)")
            }
        }
    }
}
