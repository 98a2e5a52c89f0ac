// Lexical and hybrid search through the collection and the Searcher (bag-of-words vectors, the real
// analyzer, real SQLite and FAISS): updates and deletes reach both sides in one transaction, filters are
// exact on both, a query with no lexical match is a dense query, and verify finds a lexical index that
// is missing or disagrees with the stored text.
import Foundation
import GlossaCore
import GlossaLexical
import GlossaSearch
import GlossaStore
import Testing

@testable import GlossaCollection

/// An analyzer with the same identity as the bag-of-words encoder's but one extra term per chunk: what
/// a damaged or foreign lexical index looks like to verify.
private struct DriftingAnalyzer: TermAnalyzer {
    let base = BagOfWordsEncoder().lexicalAnalyzer
    var identity: String { base.identity }
    func terms(of text: String) throws -> LexicalTerms {
        var terms = try base.terms(of: text)
        terms.words.append("drift")
        return terms
    }
}

@Suite struct HybridTests {
    static func collection(_ count: Int = 30) throws -> (DocumentCollection, Searcher, URL) {
        let folder = try Fixture.folder("hybrid")
        let collection = try Fixture.open(folder.appendingPathComponent("c"), backend: FaissBackend())
        _ = try collection.ingest(inputs: [try Fixture.jsonl(Fixture.corpus(count), in: folder)], encoder: BagOfWordsEncoder())
        return (collection, Searcher(collection: collection, encoder: BagOfWordsEncoder()), folder)
    }

    @Test("lexical mode finds a document by its unique word; every mode groups chunks into documents")
    func lexicalFinds() throws {
        let (_, searcher, _) = try Self.collection()
        let hits = try searcher.search("uniq17", k: 5, mode: .lexical)
        #expect(hits.first?.id == "doc-17")
        #expect(hits.first?.text.contains("uniq17") == true)
        for mode in SearchMode.allCases {
            let ids = try searcher.search("filler3 filler5 tag4", k: 10, mode: mode).map(\.id)
            #expect(Set(ids).count == ids.count, "\(mode): \(ids)")
        }
        // The hybrid API with vectors given by the caller equals the one that encodes.
        let query = Query(id: "q", text: "uniq5 version0")
        let vectors = try BagOfWordsEncoder().embed([query.text], kind: .query)
        let given = try searcher.search(queries: [query], vectors: vectors, k: 5, mode: .hybrid)
        let encoded = try searcher.search(queries: [query], k: 5, mode: .hybrid)
        #expect(given == encoded && given[0].first?.id == "doc-5")
    }

    @Test("a query with no lexical match is answered by the dense side alone, scores unchanged")
    func fallback() throws {
        let (_, searcher, _) = try Self.collection()
        let dense = try searcher.search("zzzunseen words", k: 5, mode: .dense)
        #expect(try searcher.search("zzzunseen words", k: 5, mode: .lexical).isEmpty)
        #expect(try searcher.search("zzzunseen words", k: 5, mode: .hybrid) == dense)
    }

    @Test("filters apply exactly on both sides of a hybrid search")
    func filters() throws {
        let (_, searcher, _) = try Self.collection(60)
        let filters = [MetadataFilter(key: "lang", value: "de")]
        for mode in SearchMode.allCases {
            let hits = try searcher.search("filler3 uniq2 uniq5", k: 20, filters: filters, mode: mode)
            #expect(!hits.isEmpty && hits.allSatisfy { $0.metadata["lang"] == .string("de") }, "\(mode)")
        }
    }

    @Test("an update and a delete are reflected on the lexical and the dense side at once")
    func updateAndDelete() throws {
        let (collection, searcher, _) = try Self.collection()
        let changed = InputDocument(id: "doc-3", title: "Title 3", text: "replacement words quokka", metadata: [:],
                                    file: "test", line: 1)
        _ = try collection.upsert([changed], encoder: BagOfWordsEncoder())
        #expect(try searcher.search("uniq3", k: 5, mode: .lexical).allSatisfy { $0.id != "doc-3" })
        #expect(try searcher.search("quokka", k: 1, mode: .lexical).first?.id == "doc-3")
        #expect(try searcher.search("quokka", k: 1, mode: .dense).first?.id == "doc-3")
        _ = try collection.delete(externalIDs: ["doc-3", "doc-4"])
        for mode in SearchMode.allCases {
            let ids = try searcher.search("quokka uniq4 tag4", k: 30, mode: mode).map(\.id)
            #expect(!ids.contains("doc-3") && !ids.contains("doc-4"), "\(mode): \(ids)")
        }
        let report = try collection.verify()
        #expect(report.isConsistent, "\(report)")
        #expect(report.lexicalChunks == report.chunks)
    }

    @Test("verify finds a lexical index that is not built, or that disagrees with the stored text")
    func verifyFindsProblems() throws {
        let (collection, _, folder) = try Self.collection(10)
        // Written with a drifting analyzer of the same identity: terms the stored text does not give.
        let extra = InputDocument(id: "extra", title: nil, text: "some words", metadata: [:], file: "t", line: 1)
        _ = try collection.store.apply(
            [DocumentWrite(externalID: extra.id, title: nil, text: extra.text, metadata: [:], contentHash: "x", shard: 0,
                           chunks: [NewChunk(start: 0, end: 10, vector: try BagOfWordsEncoder().embed(["some words"], kind: .passage)[0])])],
            dimension: collection.manifest.dimension, analyzer: DriftingAnalyzer())
        let drifted = try collection.verify()
        #expect(drifted.problems.contains { $0.contains("lexical index") && $0.contains("drift") }, "\(drifted)")
        // A write without the analyzer marks the index stale: verify says so, lexical search refuses.
        _ = try collection.store.delete(externalIDs: ["doc-1"])
        let stale = try collection.verify()
        #expect(stale.problems.contains { $0.contains("lexical index is not built") }, "\(stale)")
        let searcher = Searcher(collection: collection, encoder: BagOfWordsEncoder())
        #expect(throws: SearchError.self) { try searcher.search("uniq2", k: 3, mode: .lexical) }
        #expect(throws: SearchError.self) { try searcher.search("uniq2", k: 3, mode: .hybrid) }
        #expect(try searcher.search("uniq2", k: 3, mode: .dense).first?.id == "doc-2")
        // The rebuild repairs it (the drifting row is re-analysed from its text as well).
        try collection.rebuild(analyzer: BagOfWordsEncoder().lexicalAnalyzer)
        #expect(try collection.verify().isConsistent)
        #expect(try searcher.search("uniq2", k: 3, mode: .lexical).first?.id == "doc-2")
        _ = folder
    }

    @Test("a lexical index that is not built, or built by another analyzer version, is rebuilt on writable open",
          arguments: [false, true])
    func olderCollection(otherVersion: Bool) throws {
        let folder = try Fixture.folder("older")
        let path = folder.appendingPathComponent("c")
        do {
            let collection = try Fixture.open(path, backend: ExactBackend())
            _ = try collection.ingest(inputs: [try Fixture.jsonl(Fixture.corpus(12), in: folder)], encoder: BagOfWordsEncoder())
            if otherVersion {
                try collection.store.rebuildLexical(analyzer: LexicalAnalyzer(pieceSource: "old") { _ in [] })
            } else {
                // A write without an analyzer leaves what the v2-lexical migration leaves: no identity.
                _ = try collection.store.delete(externalIDs: ["doc-11"])
            }
            #expect(try collection.store.lexicalIdentity() != BagOfWordsEncoder().lexicalAnalyzer.identity)
        }
        let reopened = try Fixture.open(path, backend: ExactBackend())
        #expect(try reopened.store.lexicalIdentity() == BagOfWordsEncoder().lexicalAnalyzer.identity)
        #expect(try reopened.verify().isConsistent)
        let searcher = Searcher(collection: reopened, encoder: BagOfWordsEncoder())
        #expect(try searcher.search("uniq7", k: 1, mode: .lexical).first?.id == "doc-7")
    }
}
