// The real model on a few small Tatoeba languages against ../shared/data/reference-scores.md
// (transformers fp32 on the same weights): accuracy and F1 must agree within 0.2 points.
import Foundation
import GlossaTestSupport
import Testing

@testable import GlossaEval

@Suite struct BitextModelTests {
    /// The agreement bound of the issue, in percentage points.
    static let tolerancePoints = 0.2

    /// `| lang | pairs | accuracy | F1 |` rows of the Tatoeba table.
    static func reference() throws -> [String: (pairs: Int, accuracy: Double, f1: Double)] {
        let text = try String(
            contentsOf: TestLocations.shared.appendingPathComponent("data/reference-scores.md"), encoding: .utf8)
        var rows: [String: (Int, Double, Double)] = [:]
        for line in text.split(separator: "\n") where line.hasPrefix("| ") {
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count == 4, cells[0].count == 3, let pairs = Int(cells[1]), let accuracy = Double(cells[2]),
                  let f1 = Double(cells[3]) else { continue }
            rows[cells[0]] = (pairs, accuracy, f1)
        }
        return rows
    }

    @Test("Tatoeba accuracy and F1 within 0.2 points of the reference",
          .enabled(if: TestLocations.modelTestsEnabled && TestLocations.sharedTestsEnabled),
          arguments: ["ang", "tzl", "swg", "gsw"])
    func tatoeba(language: String) throws {
        let reference = try #require(try Self.reference()[language], "no reference row for \(language)")
        let embedder = try EncoderEmbedder(modelFolder: TestLocations.modelFolder.path)
        let folder = TestLocations.shared.appendingPathComponent("data/tatoeba")
        let scores = try BitextEvaluation(embedder: embedder, cache: nil).run(
            sourcePath: folder.appendingPathComponent("tatoeba.\(language)-eng.\(language)").path,
            targetPath: folder.appendingPathComponent("tatoeba.\(language)-eng.eng").path)
        #expect(scores.pairs == reference.pairs)
        #expect(abs(scores.accuracy * 100 - reference.accuracy) <= Self.tolerancePoints,
                "\(language): accuracy \(scores.accuracy * 100) vs reference \(reference.accuracy)")
        #expect(abs(scores.f1 * 100 - reference.f1) <= Self.tolerancePoints,
                "\(language): F1 \(scores.f1 * 100) vs reference \(reference.f1)")
    }
}
