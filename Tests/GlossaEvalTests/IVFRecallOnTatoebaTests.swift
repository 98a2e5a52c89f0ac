// IVF against flat on real embeddings: every distinct Tatoeba sentence in ../shared/data (100k+ texts),
// encoded by the real model, is the test set. Uniformly random vectors have no cluster structure for IVF to
// use, so only real embeddings say whether the automatic nlist and default nprobe give good recall.
// Embeddings go through the content-addressed cache in .cache/embeddings, so only the first run encodes.
import Foundation
import GlossaEval
import GlossaIndex
import GlossaTestSupport
import Testing

@Suite(.serialized)
struct IVFRecallOnTatoebaTests {
    /// The recall@10 the issue asks of IVF at its default nprobe, against exact search.
    static let minimumRecallAt10 = 0.95
    static let queryCount = 1000

    /// Every distinct line of the Tatoeba files, in a fixed order (file name, then line).
    static func tatoebaSentences() throws -> [String] {
        let folder = TestLocations.shared.appendingPathComponent("data/tatoeba")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        var seen = Set<[UInt8]>()
        var sentences: [String] = []
        for file in files {
            let text = try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
            for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
                // Byte identity, not String equality: canonically equivalent lines are distinct texts here.
                if seen.insert(Array(line.utf8)).inserted { sentences.append(String(line)) }
            }
        }
        return sentences
    }

    @Test(
        "IVF at its defaults reaches recall@10 ≥ 0.95 against flat on 100k+ encoded Tatoeba sentences",
        .enabled(if: TestLocations.modelTestsEnabled && TestLocations.sharedTestsEnabled))
    func ivfRecallOnRealEmbeddings() throws {
        let sentences = try Self.tatoebaSentences()
        #expect(sentences.count >= 100_000, "expected 100k+ distinct Tatoeba sentences, found \(sentences.count)")
        let cache = EmbeddingCache(folder: TestLocations.repoRoot.appendingPathComponent(".cache/embeddings").path)
        let embedder = try EncoderEmbedder(modelFolder: TestLocations.modelFolder.path)
        let vectors = try cache.embed(sentences, with: embedder)
        let dimension = embedder.encoder.dimension

        // Hold out every n-th sentence as a query so that no query finds itself in the base.
        let stride = vectors.count / Self.queryCount
        var base: [Float] = []
        var baseIDs: [Int64] = []
        var queries: [Float] = []
        base.reserveCapacity(vectors.count * dimension)
        for (row, vector) in vectors.enumerated() {
            if row % stride == 0, queries.count < Self.queryCount * dimension {
                queries.append(contentsOf: vector)
            } else {
                base.append(contentsOf: vector)
                baseIDs.append(Int64(row))
            }
        }

        let flat = try VectorIndex(spec: .flat, dimension: dimension, expectedCount: baseIDs.count)
        try flat.add(base, ids: baseIDs)
        let ivf = try VectorIndex(spec: .ivf(nlist: nil), dimension: dimension, expectedCount: baseIDs.count)
        #expect(ivf.needsTraining)
        try ivf.train(base)
        try ivf.add(base, ids: baseIDs)

        let exact = try flat.search(queries, k: 10)
        let approximate = try ivf.search(queries, k: 10)
        var found = 0
        var wanted = 0
        for (truth, answer) in zip(exact, approximate) {
            let answerIDs = Set(answer.map(\.id))
            wanted += truth.count
            found += truth.filter { answerIDs.contains($0.id) }.count
        }
        let recall = Double(found) / Double(max(wanted, 1))
        print("IVF recall@10 vs flat on \(baseIDs.count) Tatoeba embeddings, \(exact.count) queries: \(recall)")
        #expect(wanted == exact.count * 10)
        #expect(recall >= Self.minimumRecallAt10, "IVF recall@10 \(recall) < \(Self.minimumRecallAt10)")
    }
}
