// VectorIndex against independent oracles: flat equals a Double brute force, IVF/HNSW recall@10 against flat,
// add/remove/search, file round trip, corrupt files, empty indexes and k beyond the count, on every index kind.
import Foundation
import GlossaIndex
import Testing

/// |Δscore| allowed between faiss/sgemm float32 inner products and the Double oracle (unit vectors, d ≤ 64).
let scoreTolerance: Float = 1e-5

/// The index kinds every shared test body runs on (GRDB's per-backend runs).
let everyKind: [IndexSpec] = [.flat, .ivf(nlist: 4), .hnsw(m: 16)]

/// Builds an index of `spec`, trains it when needed on the data itself, and adds `vectors` with `ids`.
func makeIndex(_ spec: IndexSpec, _ vectors: [Float], ids: [Int64], dimension: Int) throws -> VectorIndex {
    let index = try VectorIndex(spec: spec, dimension: dimension, expectedCount: ids.count)
    if index.needsTraining { try index.train(vectors) }
    try index.add(vectors, ids: ids)
    return index
}

@Suite struct FlatSearchTests {
    @Test(
        "flat search equals a brute-force oracle: same ids, scores within float rounding",
        arguments: [SearchParameters.ExactKernel.glossa, .glossaBLAS, .faiss], [1, 2, 300, 1_100])
    func flatEqualsBruteForce(kernel: SearchParameters.ExactKernel, queryCount: Int) throws {
        // 9000 rows and 1,100 queries cross the kernel's 2,048-row and 1,024-query blocks; 1 query takes sgemv.
        let d = 32, n = 9000, k = 10
        let base = Synthetic.clustered(count: n, dimension: d, centres: 50, seed: 1)
        let ids = (0..<Int64(n)).map { $0 * 7 + 3 }
        let queries = Synthetic.clustered(count: queryCount, dimension: d, centres: 50, seed: 2)
        let index = try makeIndex(.flat, base, ids: ids, dimension: d)
        let results = try index.search(queries, k: k, parameters: .init(exactKernel: kernel))
        #expect(results.count == queryCount)
        // Every query up to 300; beyond, every 7th, which still checks both query blocks.
        for q in stride(from: 0, to: queryCount, by: queryCount > 300 ? 7 : 1) {
            let truth = Synthetic.bruteForce(base: base, ids: ids, query: Synthetic.row(queries, q, dimension: d), dimension: d)
            try #require(results[q].count == k)
            for rank in 0..<k {
                let got = results[q][rank]
                #expect(abs(got.score - Float(truth[rank].score)) <= scoreTolerance, "query \(q) rank \(rank)")
                // Ids must match exactly unless the oracle itself has a near-tie at this rank.
                let nearTie = (rank > 0 && truth[rank - 1].score - truth[rank].score < Double(scoreTolerance))
                    || truth[rank].score - truth[rank + 1].score < Double(scoreTolerance)
                if !nearTie {
                    #expect(got.id == truth[rank].id, "query \(q) rank \(rank): got \(got.id), expected \(truth[rank].id)")
                }
            }
        }
    }

    @Test("searchKeepingVectors: flat hands back each hit's stored floats, in hit order; other kinds none",
          arguments: everyKind)
    func keptVectors(spec: IndexSpec) throws {
        let d = 16, n = 2500
        let base = Synthetic.clustered(count: n, dimension: d, centres: 20, seed: 5)
        let ids = (0..<Int64(n)).map { $0 * 3 + 1 }
        let queries = Synthetic.clustered(count: 40, dimension: d, centres: 20, seed: 6)
        let index = try makeIndex(spec, base, ids: ids, dimension: d)
        let (hits, vectors) = try index.searchKeepingVectors(queries, k: 7)
        let plain = try index.search(queries, k: 7)
        #expect(hits.map { $0.map(\.id) } == plain.map { $0.map(\.id) })
        #expect(hits.map { $0.map(\.score) } == plain.map { $0.map(\.score) })
        guard spec == .flat else {
            #expect(vectors == nil)
            return
        }
        let kept = try #require(vectors)
        let all = hits.joined().map(\.id)
        #expect(kept.count == all.count * d)
        for (slot, id) in all.enumerated() {
            let row = Int((id - 1) / 3)
            #expect(Array(kept[slot * d..<(slot + 1) * d]) == Array(base[row * d..<(row + 1) * d]), "hit \(slot), id \(id)")
        }
        // k beyond the count: every stored vector, still in hit order.
        let small = try makeIndex(.flat, Array(base[0..<(5 * d)]), ids: [10, 11, 12, 13, 14], dimension: d)
        let (few, fewVectors) = try small.searchKeepingVectors(Array(queries[0..<d]), k: 9)
        #expect(few[0].count == 5 && fewVectors?.count == 5 * d)
        for (slot, hit) in few[0].enumerated() {
            let row = Int(hit.id - 10)
            #expect(Array(fewVectors![slot * d..<(slot + 1) * d]) == Array(base[row * d..<(row + 1) * d]))
        }
    }

    @Test(
        "the AVX-512 panel kernel returns what the BLAS path returns: odd dimensions, partial tiles, k beyond the count",
        arguments: [(37, 1_000, 13, 10), (384, 2_050, 300, 10), (8, 21, 9, 30), (64, 600, 2, 5)])
    func panelKernelEqualsBLAS(dimension: Int, count: Int, queryCount: Int, k: Int) throws {
        // 2,050 rows leave a partial packed block of 512 and a partial tile of 32; 13 and 9 queries a partial
        // tile of 8; 21 rows with k 30 leave slots empty (label -1 on both paths).
        let base = Synthetic.clustered(count: count, dimension: dimension, centres: 10, seed: 21)
        let ids = (0..<Int64(count)).map { $0 * 5 + 2 }
        let queries = Synthetic.clustered(count: queryCount, dimension: dimension, centres: 10, seed: 22)
        let index = try makeIndex(.flat, base, ids: ids, dimension: dimension)
        let panel = try index.search(queries, k: k, parameters: .init(exactKernel: .glossa))
        let blas = try index.search(queries, k: k, parameters: .init(exactKernel: .glossaBLAS))
        for (q, (a, b)) in zip(panel, blas).enumerated() {
            try #require(a.count == min(k, count) && b.count == a.count, "query \(q): \(a.count) vs \(b.count)")
            for (rank, (x, y)) in zip(a, b).enumerated() {
                #expect(abs(x.score - y.score) <= scoreTolerance, "query \(q) rank \(rank): \(x.score) vs \(y.score)")
                // Ids may differ only where the two summation orders swap a near-tie.
                let tie = b.contains { $0.id == x.id && abs($0.score - x.score) <= scoreTolerance }
                #expect(x.id == y.id || tie, "query \(q) rank \(rank): id \(x.id) vs \(y.id)")
            }
        }
    }

    @Test("Glossa's exact kernel returns what faiss's IndexFlat returns")
    func kernelsAgree() throws {
        let d = 24, n = 3000
        let base = Synthetic.clustered(count: n, dimension: d, centres: 20, seed: 3)
        let queries = Synthetic.clustered(count: 64, dimension: d, centres: 20, seed: 4)
        let index = try makeIndex(.flat, base, ids: (0..<Int64(n)).map { $0 }, dimension: d)
        let ours = try index.search(queries, k: 5, parameters: .init(exactKernel: .glossa))
        let theirs = try index.search(queries, k: 5, parameters: .init(exactKernel: .faiss))
        for (a, b) in zip(ours, theirs) {
            #expect(a.map(\.id) == b.map(\.id))
            #expect(zip(a, b).allSatisfy { abs($0.score - $1.score) <= scoreTolerance })
        }
    }
}

@Suite struct ApproximateRecallTests {
    static let minimumRecall = 0.95

    @Test("IVF and HNSW reach recall@10 ≥ 0.95 against flat with default parameters", arguments: [
        IndexSpec.ivf(nlist: nil), .hnsw(m: 32),
    ])
    func recallAgainstFlat(spec: IndexSpec) throws {
        let d = 64, n = 10_000, nq = 200, k = 10
        let base = Synthetic.clustered(count: n, dimension: d, centres: 300, seed: 5)
        let queries = Synthetic.clustered(count: nq, dimension: d, centres: 300, seed: 6)
        let ids = (0..<Int64(n)).map { $0 }
        let flat = try makeIndex(.flat, base, ids: ids, dimension: d)
        let approximate = try makeIndex(spec, base, ids: ids, dimension: d)
        let truth = try flat.search(queries, k: k)
        let found = try approximate.search(queries, k: k)
        let recall = Synthetic.recall(found, truth: truth)
        #expect(recall >= Self.minimumRecall, "\(spec) recall@10 = \(recall)")
    }

    @Test("IVF recall grows with nprobe and is exact when every list is visited")
    func ivfRecallGrowsWithNprobe() throws {
        let d = 32, n = 4000, nq = 100, k = 10
        let base = Synthetic.clustered(count: n, dimension: d, centres: 100, seed: 7)
        let queries = Synthetic.clustered(count: nq, dimension: d, centres: 100, seed: 8)
        let ids = (0..<Int64(n)).map { $0 }
        let truth = try makeIndex(.flat, base, ids: ids, dimension: d).search(queries, k: k)
        let ivf = try makeIndex(.ivf(nlist: 64), base, ids: ids, dimension: d)
        let low = Synthetic.recall(try ivf.search(queries, k: k, parameters: .init(nprobe: 1)), truth: truth)
        let all = Synthetic.recall(try ivf.search(queries, k: k, parameters: .init(nprobe: 64)), truth: truth)
        #expect(low < 1.0)
        #expect(all == 1.0)
    }
}

@Suite struct IndexLifecycleTests {
    let d = 16

    @Test("add, remove and search: removed ids never come back, counts follow", arguments: [
        IndexSpec.flat, .ivf(nlist: 4),
    ])
    func addRemoveSearch(spec: IndexSpec) throws {
        let vectors = Synthetic.clustered(count: 200, dimension: d, centres: 8, seed: 9)
        let ids = (0..<Int64(200)).map { 1000 + $0 }
        let index = try makeIndex(spec, vectors, ids: ids, dimension: d)
        #expect(index.count == 200)
        let removedIDs = Set(ids.filter { $0 % 3 == 0 })
        #expect(try index.remove(ids: Array(removedIDs) + [-5, 99_999]) == removedIDs.count)
        #expect(index.count == 200 - removedIDs.count)
        // Every original vector as a query: removed ones must not be found, kept ones find themselves first.
        let results = try index.search(vectors, k: 3, parameters: .init(nprobe: 4))
        for (row, hits) in results.enumerated() {
            #expect(hits.allSatisfy { !removedIDs.contains($0.id) })
            if !removedIDs.contains(ids[row]) { #expect(hits.first?.id == ids[row]) }
        }
        #expect(try index.remove(ids: Array(removedIDs)) == 0)
        try index.add(Array(vectors[0..<d]), ids: [ids[0]])
        #expect(index.count == 200 - removedIDs.count + 1)
        #expect(try index.search(Array(vectors[0..<d]), k: 1)[0].first?.id == ids[0])
    }

    @Test("HNSW removal throws IndexError instead of crashing")
    func hnswRemovalThrows() throws {
        let vectors = Synthetic.clustered(count: 50, dimension: d, centres: 4, seed: 10)
        let index = try makeIndex(.hnsw(m: 8), vectors, ids: (0..<Int64(50)).map { $0 }, dimension: d)
        #expect(throws: IndexError.self) { try index.remove(ids: [1]) }
        #expect(index.count == 50)
    }

    @Test("an empty index answers every query with no hits", arguments: everyKind)
    func emptyIndex(spec: IndexSpec) throws {
        let index = try VectorIndex(spec: spec, dimension: d, expectedCount: 0)
        let queries = Synthetic.clustered(count: 3, dimension: d, centres: 2, seed: 11)
        let results = try index.search(queries, k: 5)
        #expect(results.count == 3)
        #expect(results.allSatisfy { $0.isEmpty })
    }

    @Test("k larger than the count returns every vector, best first", arguments: everyKind)
    func kBeyondCount(spec: IndexSpec) throws {
        let vectors = Synthetic.clustered(count: 40, dimension: d, centres: 4, seed: 12)
        let index = try makeIndex(spec, vectors, ids: (0..<Int64(40)).map { $0 }, dimension: d)
        let hits = try index.search(Array(vectors[0..<d]), k: 100, parameters: .init(nprobe: 4, efSearch: 200))[0]
        #expect(hits.count == 40)
        #expect(Set(hits.map(\.id)).count == 40)
        #expect(zip(hits, hits.dropFirst()).allSatisfy { $0.score >= $1.score })
    }

    @Test("wrong shapes and arguments throw IndexError naming the operation")
    func badArguments() throws {
        let index = try VectorIndex(spec: .flat, dimension: d, expectedCount: 10)
        #expect(throws: IndexError.self) { try index.add([Float](repeating: 0, count: d + 1), ids: [1]) }
        #expect(throws: IndexError.self) { try index.add([Float](repeating: 0, count: 2 * d), ids: [1]) }
        #expect(throws: IndexError.self) { try index.search([Float](repeating: 0, count: d), k: 0) }
        #expect(throws: IndexError.self) { try VectorIndex(spec: .flat, dimension: 0, expectedCount: 1) }
        #expect(throws: IndexError.self) { try VectorIndex(spec: .factory("NotAnIndex42"), dimension: d, expectedCount: 1) }
        let ivf = try VectorIndex(spec: .ivf(nlist: 4), dimension: d, expectedCount: 100)
        #expect(ivf.needsTraining)
        do {
            try ivf.add([Float](repeating: 0.25, count: d), ids: [1])
            Issue.record("adding to an untrained IVF index did not throw")
        } catch {
            #expect(error.description.contains("train"))
        }
    }

    @Test("a flat index returns stored vectors by id")
    func reconstruct() throws {
        let vectors = Synthetic.clustered(count: 10, dimension: d, centres: 2, seed: 13)
        let index = try makeIndex(.flat, vectors, ids: (0..<Int64(10)).map { 50 + $0 }, dimension: d)
        #expect(try index.vector(id: 53) == Synthetic.row(vectors, 3, dimension: d))
        #expect(throws: IndexError.self) { try index.vector(id: 7) }
    }
}
