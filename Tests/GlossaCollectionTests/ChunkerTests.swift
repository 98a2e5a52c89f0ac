// Chunker windows over a grid of token counts, window sizes and overlaps, and the stable hashes.
import GlossaCollection
import Testing

@Suite struct ChunkerTests {
    @Test("windows cover every token, overlap exactly, and never exceed the window",
          arguments: [8, 9, 16, 33], [0, 1, 4, 7])
    func windowsGrid(window: Int, overlap: Int) throws {
        let chunker = try Chunker(windowTokens: window, overlapTokens: overlap)
        for tokenCount in [0, 1, window - 1, window, window + 1, 3 * window + 2, 100] {
            // Token i covers bytes 3i..<3i+2 (one separator byte between tokens).
            let tokens = (0..<tokenCount).map { 3 * $0..<3 * $0 + 2 }
            let byteCount = 3 * tokenCount
            let ranges = chunker.ranges(tokens: tokens, byteCount: byteCount)
            if tokenCount <= window {
                #expect(ranges == [0..<byteCount])
                continue
            }
            var covered = Set<Int>()
            var previousFirst = -1
            for (index, range) in ranges.enumerated() {
                let inside = tokens.indices.filter { range.contains(tokens[$0].lowerBound) }
                #expect(inside.count <= window)
                #expect(range.lowerBound == tokens[inside[0]].lowerBound && range.upperBound == tokens[inside.last!].upperBound)
                #expect(inside[0] > previousFirst)
                if index > 0 { #expect(inside[0] == previousFirst + (window - overlap)) }
                previousFirst = inside[0]
                covered.formUnion(inside)
            }
            #expect(covered == Set(tokens.indices), "tokens=\(tokenCount)")
            #expect(ranges.last?.upperBound == tokens.last?.upperBound)
        }
    }

    @Test("invalid window and overlap are refused with the option name")
    func invalidOptions() {
        #expect { try Chunker(windowTokens: 4, overlapTokens: 0) } throws: { "\($0)".contains("--chunk-tokens") }
        #expect { try Chunker(windowTokens: 64, overlapTokens: 64) } throws: { "\($0)".contains("--chunk-overlap") }
    }

    @Test("FNV-1a matches the published test vectors; shards are stable and in range")
    func hashes() {
        #expect(StableHash.fnv1a("".utf8) == 0xcbf2_9ce4_8422_2325)
        #expect(StableHash.fnv1a("a".utf8) == 0xaf63_dc4c_8601_ec8c)
        #expect(StableHash.fnv1a("foobar".utf8) == 0x8594_4171_f739_67e8)
        for shards in 1...7 {
            for i in 0..<50 { #expect((0..<shards).contains(StableHash.shard(of: "doc-\(i)", shardCount: shards))) }
        }
        #expect(StableHash.contentHash(title: nil, text: "x") != StableHash.contentHash(title: "", text: "x"))
        #expect(StableHash.contentHash(title: "a", text: "b") == StableHash.contentHash(title: "a", text: "b"))
    }
}
