// Seeded synthetic embeddings for the index tests: a Gaussian mixture around a few centres, every row
// L2-normalised (like mE5 output), plus the brute-force oracle that flat search must reproduce.
import Foundation
import GlossaTestSupport
@testable import GlossaIndex

/// The index tests' generator: SplitMix64 (GlossaTestSupport), so every run sees the same vectors.
typealias SeededGenerator = SplitMix64

extension SplitMix64 {
    /// Standard normal (Box-Muller).
    mutating func gaussian() -> Float {
        let u1 = Double.random(in: Double.ulpOfOne..<1, using: &self)
        let u2 = Double.random(in: 0..<1, using: &self)
        return Float((-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2))
    }
}

enum Synthetic {
    /// `count` rows of `dimension` floats, flattened: centre + noise at cosine ~0.8 to the centre, normalised.
    static func clustered(count: Int, dimension: Int, centres: Int, seed: UInt64) -> [Float] {
        var rng = SeededGenerator(seed: seed)
        // The centres come from their own generator so that base and query sets share them.
        var centreRNG = SeededGenerator(seed: 42)
        let centreVectors = (0..<centres).map { _ in normalised((0..<dimension).map { _ in centreRNG.gaussian() }) }
        let noise = 0.75 / Float(dimension).squareRoot()
        var out: [Float] = []
        out.reserveCapacity(count * dimension)
        for _ in 0..<count {
            let centre = centreVectors[Int.random(in: 0..<centres, using: &rng)]
            out += normalised(centre.map { $0 + noise * rng.gaussian() })
        }
        return out
    }

    static func normalised(_ v: [Float]) -> [Float] {
        let norm = v.reduce(Float(0)) { $0 + $1 * $1 }.squareRoot()
        return v.map { $0 / norm }
    }

    /// Row `i` of a flattened matrix.
    static func row(_ x: [Float], _ i: Int, dimension: Int) -> [Float] {
        Array(x[i * dimension..<(i + 1) * dimension])
    }

    /// The exact answer: every inner product in Double, sorted best first (ties by smaller id).
    static func bruteForce(base: [Float], ids: [Int64], query: [Float], dimension: Int) -> [(id: Int64, score: Double)] {
        var all: [(id: Int64, score: Double)] = []
        for i in 0..<ids.count {
            var dot = 0.0
            for j in 0..<dimension { dot += Double(base[i * dimension + j]) * Double(query[j]) }
            all.append((ids[i], dot))
        }
        return all.sorted { $0.score != $1.score ? $0.score > $1.score : $0.id < $1.id }
    }

    /// Fraction of `truth`'s ids found in `found`, averaged over queries (recall@k against an exact search).
    static func recall(_ found: [[(id: Int64, score: Float)]], truth: [[(id: Int64, score: Float)]]) -> Double {
        var hits = 0, total = 0
        for (f, t) in zip(found, truth) {
            let expected = Set(t.map(\.id))
            hits += f.filter { expected.contains($0.id) }.count
            total += expected.count
        }
        return Double(hits) / Double(max(total, 1))
    }
}

/// A fresh temporary folder per test, removed by the caller.
func temporaryFolder() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("glossa-index-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}
