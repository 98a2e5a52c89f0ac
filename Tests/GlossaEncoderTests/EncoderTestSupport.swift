// Shared helpers for the encoder tests: the tiny XLM-R fixture's reference.json, and a checker that
// reports llm.c-style (first 5 components and the max difference) when a vector is off.
import Foundation
import GlossaTestSupport
import Testing

/// Tests/Fixtures/tiny-xlmr/reference.json (made by transformers; see its README.md).
struct TinyReference: Decodable {
    struct Text: Decodable {
        let id: String
        let text: String
        let token_ids: [Int32]
        let query: [Float]
        let query_batched: [Float]
        let passage_token_ids: [Int32]
        let passage: [Float]
    }
    let texts: [Text]

    static var folder: URL { TestLocations.fixtures.appendingPathComponent("tiny-xlmr") }

    static func load(folder: URL = folder) throws -> TinyReference {
        let data = try Data(contentsOf: folder.appendingPathComponent("reference.json"))
        return try JSONDecoder().decode(TinyReference.self, from: data)
    }
}

/// Expects `got` to match `expected` within `tolerance` per component, with a readable report.
func expectClose(
    _ got: [Float], _ expected: [Float], _ name: String, tolerance: Float = Tolerance.fp32Component,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    guard got.count == expected.count else {
        Issue.record("\(name): \(got.count) components, expected \(expected.count)", sourceLocation: sourceLocation)
        return
    }
    let diff = Numeric.maxAbsDiff(got, expected)
    #expect(diff <= tolerance, "\(Numeric.report(name, got: got, expected: expected))", sourceLocation: sourceLocation)
}

/// A model folder beside the test (in a temporary directory) whose config.json is `edit` applied to
/// `source`'s, and whose other files are symlinks to `source`'s.
func folderWithEditedConfig(from source: URL, _ edit: (inout [String: Any]) -> Void) throws -> URL {
    let fm = FileManager.default
    let folder = fm.temporaryDirectory.appendingPathComponent("glossa-encoder-\(UUID().uuidString)")
    try fm.createDirectory(at: folder, withIntermediateDirectories: true)
    for name in ["model.safetensors", "sentencepiece.bpe.model"] {
        try fm.createSymbolicLink(
            at: folder.appendingPathComponent(name), withDestinationURL: source.appendingPathComponent(name))
    }
    let data = try Data(contentsOf: source.appendingPathComponent("config.json"))
    var json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    edit(&json)
    try JSONSerialization.data(withJSONObject: json).write(to: folder.appendingPathComponent("config.json"))
    return folder
}
