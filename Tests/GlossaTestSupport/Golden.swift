// Loads ../shared/golden/texts.jsonl: texts with reference token ids and query/passage embeddings
// from transformers on the dequantised weights.
public import Foundation

/// One line of `texts.jsonl`.
public struct GoldenText: Decodable, Sendable {
    public let id: String
    public let text: String
    /// Model ids for `"query: " + text`, `<s>` … `</s>`, at most 512.
    public let token_ids: [Int32]
    public let query: [Float]
    public let passage: [Float]
    public let tokens_full: Int?
}

public enum Golden {
    /// All golden texts, in file order. Throws when the file is missing or malformed.
    public static func texts() throws -> [GoldenText] {
        let url = TestLocations.shared.appendingPathComponent("golden/texts.jsonl")
        let data = try Data(contentsOf: url)
        let decoder = JSONDecoder()
        return try data.split(separator: UInt8(ascii: "\n")).map { line in
            try decoder.decode(GoldenText.self, from: Data(line))
        }
    }
}
