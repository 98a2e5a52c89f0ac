// Hand-computed cases for the MTEB bitext scores: first-index ties, sklearn's weighted F1 with and
// without explicit labels (its documented examples), and the 0..n-1 protocol.
import Testing

@testable import GlossaEval

@Suite struct BitextMetricsTests {
    @Test("nearest target by cosine; among equal cosines the first index wins")
    func nearestWithTies() {
        let targets: [[Float]] = [[1, 0], [0, 3], [2, 0], [0.6, 0.8]]
        // [5, 0] has cosine 1 with targets 0 and 2 (a scaled duplicate): index 0.
        // [0, 1] is nearest to target 1; [0.6, 0.8] to target 3; the zero vector ties everywhere at 0.
        let nearest = BitextMetrics.nearestNeighbours(sources: [[5, 0], [0, 1], [3, 4], [0, 0]], targets: targets)
        #expect(nearest == [0, 1, 3, 0])
    }

    @Test("the fixed-order dot product equals the naive sum for lengths around the SIMD width")
    func dotProduct() {
        for length in [0, 1, 7, 8, 9, 16, 23, 384] {
            let a = (0..<length).map { Float($0 % 5) - 1.5 }
            let b = (0..<length).map { Float(($0 * 3) % 7) * 0.25 }
            let naive = zip(a, b).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
            #expect(abs(Double(BitextMetrics.dot(a, b)) - naive) < 1e-3, "length \(length)")
        }
    }

    @Test("weighted F1 equals sklearn's documented example (0.26666…)")
    func sklearnExample() {
        // sklearn docs: y_true=[0,1,2,0,1,2], y_pred=[0,2,1,0,0,1] → F1 per label [0.8, 0, 0], supports 2, 2, 2.
        let f1 = BitextMetrics.weightedF1(gold: [0, 1, 2, 0, 1, 2], predicted: [0, 2, 1, 0, 0, 1])
        #expect(abs(f1 - 0.8 * 2 / 6) < 1e-12)
        #expect(BitextMetrics.accuracy(gold: [0, 1, 2, 0, 1, 2], predicted: [0, 2, 1, 0, 0, 1]) == 2.0 / 6)
    }

    @Test("bitext shape: a label predicted twice gets F1 2/3, a never-predicted label 0")
    func bitextShape() throws {
        // Gold 0..3, predicted [0, 0, 2, 1]: label 0 → P 1/2, R 1, F1 2/3; label 1 → tp 0; label 2 → 1;
        // label 3 → never predicted, 0. Weighted by support 1 each: (2/3 + 1) / 4.
        let f1 = BitextMetrics.weightedF1(gold: [0, 1, 2, 3], predicted: [0, 0, 2, 1], labels: [0, 1, 2, 3])
        #expect(abs(f1 - (2.0 / 3 + 1) / 4) < 1e-12)
        // The same through the embedding protocol: sources 0 and 1 both nearest to target 0.
        let targets: [[Float]] = [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]]
        let sources: [[Float]] = [[1, 0, 0, 0], [0.9, 0.1, 0, 0], [0, 0, 1, 0], [0, 1, 0, 0.5]]
        let scores = try BitextMetrics.score(sources: sources, targets: targets)
        #expect(scores == BitextScores(pairs: 4, accuracy: 0.5, f1: (2.0 / 3 + 1) / 4))
    }

    @Test("explicit labels: labels without support weigh nothing, excluded labels count nowhere")
    func explicitLabels() {
        let gold = [0, 1]
        let predicted = [1, 1]
        // Only label 1: tp 1, predicted twice, support 1 → F1 2/3.
        #expect(abs(BitextMetrics.weightedF1(gold: gold, predicted: predicted, labels: [1]) - 2.0 / 3) < 1e-12)
        // Only label 0: support 1, tp 0 → 0.
        #expect(BitextMetrics.weightedF1(gold: gold, predicted: predicted, labels: [0]) == 0)
        // Label 5 has no support: same as the default labels.
        #expect(BitextMetrics.weightedF1(gold: gold, predicted: predicted, labels: [0, 1, 5])
            == BitextMetrics.weightedF1(gold: gold, predicted: predicted))
        // No supported label at all → 0, not NaN.
        #expect(BitextMetrics.weightedF1(gold: gold, predicted: predicted, labels: [7]) == 0)
    }

    @Test("sides of different length are rejected with both counts")
    func mismatch() {
        #expect(throws: EvalError.mismatch(what: "bitext target lines", expected: 2, actual: 1)) {
            try BitextMetrics.score(sources: [[1], [1]], targets: [[1]])
        }
    }
}
