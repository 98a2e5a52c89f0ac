// Fusion arithmetic against hand-computed values, and parsing of --fusion.
import GlossaSearch
import Testing

@Suite struct FusionTests {
    // Scores exact in binary, so the hand-computed values are exact too.
    static let dense: [(id: String, score: Double)] = [("a", 1.0), ("b", 0.75), ("c", 0.5)]
    static let lexical: [(id: String, score: Double)] = [("c", 12), ("d", 8), ("a", 4)]

    @Test("RRF k=60: Σ 1/(60 + rank)")
    func rrf() {
        let fused = Fusion.rrf(k: 60).fuse(dense: Self.dense, lexical: Self.lexical)
        // a: 1/61 + 1/63; c: 1/63 + 1/61 (the same: tie broken by id); b: 1/62; d: 1/62.
        let a = 1.0 / 61 + 1.0 / 63, b = 1.0 / 62
        #expect(fused.map(\.id) == ["a", "c", "b", "d"])
        #expect(abs(fused[0].score - a) < 1e-15 && abs(fused[1].score - a) < 1e-15)
        #expect(abs(fused[2].score - b) < 1e-15 && abs(fused[3].score - b) < 1e-15)
    }

    @Test("convex α=0.5 over min-max-normalised scores; absent from a side counts 0 there")
    func convex() {
        let fused = Fusion.convex(alpha: 0.5).fuse(dense: Self.dense, lexical: Self.lexical)
        // dense': a 1, b 0.5, c 0; lexical': c 1, d 0.5, a 0.
        // a = 0.5·1 + 0.5·0 = 0.5; b = 0.25; c = 0 + 0.5 = 0.5; d = 0.25.
        #expect(fused.map(\.id) == ["a", "c", "b", "d"])
        let expected = ["a": 0.5, "b": 0.25, "c": 0.5, "d": 0.25]
        for item in fused { #expect(abs(item.score - expected[item.id, default: -1]) < 1e-12, "\(item.id)") }
    }

    @Test("convex α=0.7 weights the dense side")
    func convexWeighted() {
        let fused = Fusion.convex(alpha: 0.7).fuse(dense: Self.dense, lexical: Self.lexical)
        // a = 0.7; b = 0.35; c = 0.3; d = 0.15.
        #expect(fused.map(\.id) == ["a", "b", "c", "d"])
        let expected = ["a": 0.7, "b": 0.35, "c": 0.3, "d": 0.15]
        for item in fused { #expect(abs(item.score - expected[item.id, default: -1]) < 1e-12, "\(item.id)") }
    }

    @Test("a single-item side normalises to 1; an empty lexical side gives the dense list unchanged")
    func edges() {
        let fused = Fusion.convex(alpha: 0.5).fuse(dense: Self.dense, lexical: [("d", 3)])
        #expect(fused.first?.id == "a" && fused.first?.score == 0.5)
        #expect(fused.contains { $0.id == "d" && $0.score == 0.5 })
        let fallback = Fusion.standard.fuse(dense: Self.dense, lexical: [])
        #expect(fallback.map(\.id) == ["a", "b", "c"] && fallback.map(\.score) == [1.0, 0.75, 0.5])
    }

    @Test("parsing --fusion")
    func parsing() throws {
        #expect(try Fusion(parsing: "rrf") == .rrf(k: 60))
        #expect(try Fusion(parsing: "rrf:10") == .rrf(k: 10))
        #expect(try Fusion(parsing: "convex") == .convex(alpha: 0.5))
        #expect(try Fusion(parsing: "convex:0.25") == .convex(alpha: 0.25))
        for bad in ["", "rrf:-1", "convex:1.5", "convex:x", "sum"] {
            #expect(throws: SearchError.self, "\(bad)") { try Fusion(parsing: bad) }
        }
    }
}
