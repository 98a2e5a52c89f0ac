// The lexical index in a real SQLite database with the real analyzer: a rare token in each script
// finds its one chunk first, query text cannot inject FTS5 syntax, filters are exact, and a rebuild
// from the stored text gives the same index.
import Foundation
import GlossaCore
import GlossaStore
import GlossaTestSupport
import Testing

@testable import GlossaLexical

@Suite(.enabled(if: TestLocations.modelTestsEnabled))
struct LexicalIndexTests {
    /// Per script family: a rare token (the query) and the sentence that holds it.
    static let rare: [(family: String, query: String, text: String)] = [
        ("Latin with diacritics", "Żółćwski", "Der Physiker Żółćwski entdeckte den Effekt im Jahr 1911."),
        ("Cyrillic", "Щедровицкий", "Философ Щедровицкий основал методологическое движение."),
        ("Greek", "Καβάφης", "Ο ποιητής Καβάφης έζησε στην Αλεξάνδρεια."),
        ("Arabic", "الخوارزمي", "كتب الخوارزمي كتابا في الجبر."),
        ("Devanagari", "ब्रह्मगुप्त", "गणितज्ञ ब्रह्मगुप्त ने शून्य के नियम लिखे।"),
        ("Thai", "กรุงศรีอยุธยา", "อาณาจักรกรุงศรีอยุธยาเป็นราชธานีเก่า"),
        ("Han", "鄭和", "明朝的鄭和七次下西洋。"),
        ("kana", "ヨコハマ", "ヨコハマの港はとても大きいです。"),
        ("Hangul", "훈민정음", "세종대왕은 훈민정음을 만들었다."),
        ("mixed CJK and ASCII identifier", "RTX4090", "新しいRTX4090を買いました。"),
        ("emoji", "🦩", "The flamingo 🦩 stands on one leg."),
    ]

    /// Filler sentences in the same scripts, so that every rare token has competition.
    static let filler = [
        "Der Effekt wurde im Jahr 1911 beschrieben.", "Философ основал движение.", "Ο ποιητής έζησε.",
        "كتب كتابا في الجبر.", "गणितज्ञ ने नियम लिखे।", "ราชธานีเก่าแก่ของไทย", "明朝的皇帝下西洋。",
        "港はとても大きいです。", "세종대왕은 글을 만들었다.", "新しいパソコンを買いました。", "The bird stands on one leg.",
    ]

    static func store() throws -> (Store, LexicalAnalyzer) {
        let analyzer = try AnalyzerFixture.analyzer()
        let store = try Store()
        try store.setManifest(Manifest(modelName: "m", dimension: 2, indexType: "flat", shardCount: 1,
                                       chunkTokens: 512, chunkOverlap: 0))
        var writes: [DocumentWrite] = []
        for (i, text) in (rare.map(\.text) + filler).enumerated() {
            let metadata: [String: MetadataValue] = ["half": .string(i % 2 == 0 ? "even" : "odd")]
            writes.append(DocumentWrite(
                externalID: "d\(i)", title: nil, text: text, metadata: metadata, contentHash: "h\(i)", shard: 0,
                chunks: [NewChunk(start: 0, end: text.utf8.count, vector: [1, 0])]))
        }
        _ = try store.apply(writes, dimension: 2, analyzer: analyzer)
        return (store, analyzer)
    }

    @Test("a rare token finds its chunk first, in every script family")
    func rareToken() throws {
        let (store, analyzer) = try Self.store()
        let ids = Dictionary(uniqueKeysWithValues: try store.documentShards().enumerated().map { ($1.externalID, $0) })
        for (index, item) in Self.rare.enumerated() {
            let hits = try store.lexicalSearch(try analyzer.terms(of: item.query), limit: 3)
            let top = try #require(hits.first, "\(item.family): no hit for \(item.query)")
            let record = try #require(try store.chunkRecords(ids: [top.id])[top.id])
            #expect(record.document.externalID == "d\(index)", "\(item.family): '\(item.query)' found \(record.document.externalID)")
            #expect(ids["d\(index)"] != nil)
        }
    }

    @Test("FTS5 operators in the query are plain text: no syntax error, no injection")
    func injection() throws {
        let (store, analyzer) = try Self.store()
        for query in ["\"", "a OR", "NEAR(x y)", "words:🦩", "* ^ - + ( ) { } :", "NOT AND OR", "\"🦩\" OR \"x\""] {
            _ = try store.lexicalSearch(try analyzer.terms(of: query), limit: 5)
        }
        // Quotes in a term (which the analyzer never makes) are escaped, too.
        #expect(try store.lexicalSearch(LexicalTerms(words: ["a\"b OR c"]), limit: 5).isEmpty)
        #expect(try store.lexicalSearch(LexicalTerms(), limit: 5).isEmpty)
    }

    @Test("filters apply exactly on the lexical side")
    func filters() throws {
        let (store, analyzer) = try Self.store()
        // "ποιητής" is in d2 (even) and in the filler d13 (odd).
        let terms = try analyzer.terms(of: "ποιητής")
        let all = try store.lexicalSearch(terms, limit: 10)
        let odd = try store.lexicalSearch(terms, limit: 10, filters: [(key: "half", value: "odd")])
        let names = { (hits: [LexicalScore]) in
            try store.chunkRecords(ids: hits.map(\.id)).values.map(\.document.externalID).sorted()
        }
        #expect(try names(all) == ["d13", "d2"])
        #expect(try names(odd) == ["d13"])
    }

    @Test("rebuilding from the stored text gives the same rankings, and verify's comparison finds no difference")
    func rebuild() throws {
        let (store, analyzer) = try Self.store()
        let before = try Self.rare.map { try store.lexicalSearch(try analyzer.terms(of: $0.query), limit: 5) }
        #expect(try store.lexicalDifferences(analyzer: analyzer).isEmpty)
        try store.rebuildLexical(analyzer: analyzer)
        let after = try Self.rare.map { try store.lexicalSearch(try analyzer.terms(of: $0.query), limit: 5) }
        #expect(before == after)
        #expect(try store.lexicalChunkIDs().count == Self.rare.count + Self.filler.count)
        #expect(try store.lexicalIdentity() == analyzer.identity)
    }
}
