// Bitext mining scores with MTEB's definitions (BitextMiningEvaluator): nearest target by cosine for
// each source, accuracy, and F1 = sklearn `f1_score(gold, predicted, average="weighted")`.

/// Accuracy and weighted F1 of one bitext pair of files.
public struct BitextScores: Sendable, Equatable, Codable {
    /// Number of source sentences (= number of gold labels).
    public let pairs: Int
    /// Fraction of sources whose nearest target is their gold translation, in [0, 1].
    public let accuracy: Double
    /// sklearn's support-weighted F1 over the labels, in [0, 1].
    public let f1: Double
}

/// Nearest-neighbour mining and its scores (pure functions; thread-safe).
public enum BitextMetrics {
    /// For each source vector, the index of the target with the highest cosine similarity; among equal
    /// cosines the first index wins. Vectors need not be normalised (each is divided by its norm; a zero
    /// vector has cosine 0 with everything).
    ///
    /// Every score is computed by the same fixed-order loop, so identical target vectors always give
    /// identical scores and duplicates resolve to the first occurrence, as `argmax` does in the reference.
    /// - Precondition: all vectors have the same dimension (programmer error otherwise).
    /// - Complexity: O(sources × targets × dimension).
    public static func nearestNeighbours(sources: [[Float]], targets: [[Float]]) -> [Int] {
        guard let dimension = targets.first?.count else { return Array(repeating: -1, count: sources.count) }
        let normalisedTargets = targets.map { normalised($0, dimension: dimension) }
        return sources.map { source in
            let query = normalised(source, dimension: dimension)
            var best = 0
            var bestScore = -Float.infinity
            for (index, target) in normalisedTargets.enumerated() {
                let score = dot(query, target)
                // Strictly greater: the first index keeps a tie.
                if score > bestScore {
                    best = index
                    bestScore = score
                }
            }
            return best
        }
    }

    /// sklearn `accuracy_score`: the fraction of equal positions; 0 for empty input.
    public static func accuracy(gold: [Int], predicted: [Int]) -> Double {
        precondition(gold.count == predicted.count, "gold and predicted differ in length")
        guard !gold.isEmpty else { return 0 }
        return Double(zip(gold, predicted).count(where: { $0 == $1 })) / Double(gold.count)
    }

    /// sklearn `f1_score(gold, predicted, labels=labels, average="weighted")`.
    ///
    /// Per label l: tp, fp, fn counted over positions; F1_l = 2·P·R / (P + R) with P = tp/(tp+fp) and
    /// R = tp/(tp+fn), a zero denominator giving 0 (sklearn's zero_division "warn"/0). The average is
    /// weighted by support (the number of gold positions with label l) and is 0 when all supports are 0.
    /// `labels` defaults to the sorted union of gold and predicted labels; positions whose gold or
    /// predicted label is outside `labels` add nothing to the labels they are not.
    public static func weightedF1(gold: [Int], predicted: [Int], labels: [Int]? = nil) -> Double {
        precondition(gold.count == predicted.count, "gold and predicted differ in length")
        let labels = labels ?? Array(Set(gold).union(predicted)).sorted()
        var truePositives: [Int: Int] = [:]
        var predictedCount: [Int: Int] = [:]
        var support: [Int: Int] = [:]
        for (truth, guess) in zip(gold, predicted) {
            support[truth, default: 0] += 1
            predictedCount[guess, default: 0] += 1
            if truth == guess { truePositives[truth, default: 0] += 1 }
        }
        var weighted = 0.0
        var totalSupport = 0
        for label in labels {
            let tp = Double(truePositives[label] ?? 0)
            let predictedTotal = Double(predictedCount[label] ?? 0)
            let labelSupport = support[label] ?? 0
            let precision = predictedTotal > 0 ? tp / predictedTotal : 0
            let recall = labelSupport > 0 ? tp / Double(labelSupport) : 0
            let f1 = precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0
            weighted += f1 * Double(labelSupport)
            totalSupport += labelSupport
        }
        return totalSupport > 0 ? weighted / Double(totalSupport) : 0
    }

    /// The MTEB bitext protocol on embeddings: source i's gold target is i, labels are 0..<n.
    /// Throws `EvalError.mismatch` when the two sides differ in length.
    public static func score(sources: [[Float]], targets: [[Float]]) throws -> BitextScores {
        guard sources.count == targets.count else {
            throw EvalError.mismatch(what: "bitext target lines", expected: sources.count, actual: targets.count)
        }
        let predicted = nearestNeighbours(sources: sources, targets: targets)
        let gold = Array(0..<sources.count)
        return BitextScores(
            pairs: gold.count, accuracy: accuracy(gold: gold, predicted: predicted),
            f1: weightedF1(gold: gold, predicted: predicted, labels: gold))
    }

    // MARK: - Fixed-order vector arithmetic

    static func normalised(_ vector: [Float], dimension: Int) -> [Float] {
        precondition(vector.count == dimension, "vector dimension \(vector.count) != \(dimension)")
        let norm = dot(vector, vector).squareRoot()
        return norm > 0 ? vector.map { $0 / norm } : vector
    }

    /// Dot product in 8 Float lanes, summed in a fixed order (the order depends only on the length).
    static func dot(_ a: [Float], _ b: [Float]) -> Float {
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                var lanes = SIMD8<Float>()
                var i = 0
                let rawA = UnsafeRawBufferPointer(a)
                let rawB = UnsafeRawBufferPointer(b)
                let stride = MemoryLayout<Float>.stride
                while i + 8 <= a.count {
                    let x = rawA.loadUnaligned(fromByteOffset: i * stride, as: SIMD8<Float>.self)
                    let y = rawB.loadUnaligned(fromByteOffset: i * stride, as: SIMD8<Float>.self)
                    lanes += x * y
                    i += 8
                }
                var sum = lanes.sum()
                while i < a.count {
                    sum += a[i] * b[i]
                    i += 1
                }
                return sum
            }
        }
    }
}
