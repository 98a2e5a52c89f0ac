// A collection written before the lexical index (Tests/Fixtures/pre-lexical, made by
// scripts/make_pre_lexical_fixture.sh): read-only it still answers dense searches and says its lexical
// index is not built (never silently empty); a writable open migrates it and builds the index.
import Foundation
import GlossaCollection
import GlossaSearch
import GlossaTestSupport
import Testing

@Suite struct MigrationTests {
    static func copy() throws -> URL {
        let folder = try Fixture.folder("pre-lexical").appendingPathComponent("c")
        try FileManager.default.copyItem(at: TestLocations.fixtures.appendingPathComponent("pre-lexical"), to: folder)
        return folder
    }

    @Test("read-only: dense search works, lexical and hybrid refuse with 'not built', verify reports it")
    func readOnly() throws {
        let folder = try Self.copy()
        let collection = try Fixture.open(folder, backend: ExactBackend(), writable: false)
        let searcher = Searcher(collection: collection, encoder: BagOfWordsEncoder())
        #expect(try searcher.search("wombat", k: 2, mode: .dense).count == 2)
        #expect(throws: SearchError.self) { try searcher.search("wombat", k: 2, mode: .lexical) }
        #expect(throws: SearchError.self) { try searcher.search("wombat", k: 2, mode: .hybrid) }
        #expect(try collection.verify().problems.contains { $0.contains("lexical index is not built") })
    }

    @Test("a writable open migrates the schema and builds the lexical index from the stored text")
    func writableOpen() throws {
        let folder = try Self.copy()
        let collection = try Fixture.open(folder, backend: ExactBackend())
        let searcher = Searcher(collection: collection, encoder: BagOfWordsEncoder())
        #expect(try searcher.search("wombat", k: 1, mode: .lexical).first?.id == "old-1")
        #expect(try searcher.search("地下", k: 1, mode: .lexical).first?.id == "old-2")
        let report = try collection.verify()
        #expect(report.lexicalChunks == 2)
        #expect(!report.problems.contains { $0.contains("lexical") }, "\(report)")
    }
}
