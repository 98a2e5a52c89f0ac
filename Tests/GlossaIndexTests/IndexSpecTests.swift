// IndexSpec: the command-line grammar, its round trip, and the factory strings chosen per collection size.
import GlossaIndex
import Testing

@Suite struct IndexSpecTests {
    @Test("parsing the command-line forms", arguments: [
        ("flat", IndexSpec.flat), ("ivf", .ivf(nlist: nil)), ("ivf:4096", .ivf(nlist: 4096)),
        ("hnsw", .hnsw(m: 32)), ("hnsw:16", .hnsw(m: 16)), (" flat ", .flat),
        ("IVF1024,SQ8", .factory("IVF1024,SQ8")), ("Flat", .factory("Flat")), ("HNSW32", .factory("HNSW32")),
    ])
    func parsing(text: String, expected: IndexSpec) throws {
        #expect(try IndexSpec(parsing: text) == expected)
    }

    @Test("description round-trips through parsing", arguments: [
        IndexSpec.flat, .ivf(nlist: nil), .ivf(nlist: 100), .hnsw(m: 48), .factory("IVF256,PQ16"),
    ])
    func roundTrip(spec: IndexSpec) throws {
        #expect(try IndexSpec(parsing: spec.description) == spec)
        #expect(IndexSpec(spec.description) == spec)
    }

    @Test("malformed specifications throw invalidSpec naming the text", arguments: [
        "", "ivf:", "ivf:0", "ivf:-3", "ivf:many", "hnsw:x", "flat:2",
    ])
    func malformed(text: String) {
        #expect {
            _ = try IndexSpec(parsing: text)
        } throws: { error in
            guard case .invalidSpec(let reported, _) = error as? IndexError else { return false }
            return reported == text && "\(error)".contains("'\(text)'")
        }
        #expect(IndexSpec(text) == nil)
    }

    @Test("automatic IVF list count: ~4·sqrt(n) with at least 39 vectors per list", arguments: [
        0, 1, 38, 39, 1000, 10_000, 100_000, 1_000_000,
    ])
    func automaticListCount(n: Int) {
        let nlist = IndexSpec.automaticListCount(vectorCount: n)
        #expect(nlist >= 1)
        #expect(nlist <= max(1, n / IndexSpec.minimumPointsPerList))
        #expect(Double(nlist) <= 4 * Double(n).squareRoot() + 1)
        if n >= 100_000 { #expect(nlist == Int((4 * Double(n).squareRoot()).rounded())) }
    }

    @Test("factory strings")
    func factoryStrings() {
        #expect(IndexSpec.flat.factoryString(vectorCount: 10) == "Flat")
        #expect(IndexSpec.ivf(nlist: 64).factoryString(vectorCount: 10) == "IVF64,Flat")
        #expect(IndexSpec.ivf(nlist: nil).factoryString(vectorCount: 1_000_000) == "IVF4000,Flat")
        #expect(IndexSpec.ivf(nlist: nil).factoryString(vectorCount: 10_000) == "IVF256,Flat")
        #expect(IndexSpec.hnsw(m: 16).factoryString(vectorCount: 10) == "HNSW16")
        #expect(IndexSpec.factory("IVF8,SQ8").factoryString(vectorCount: 10) == "IVF8,SQ8")
    }
}
