// Same-language XQuAD through the real pipeline (mE5-small, FAISS, SQLite FTS5, the real analyzer), on
// the two languages where whitespace tokenisers fail: Thai end to end (dense, lexical and hybrid from one
// encoding of the paragraphs and questions), Chinese on the lexical side alone (its paragraphs stored with
// constant vectors, so nothing is encoded). The thresholds sit below eval/hybrid.md's measurements.
import Foundation
import GlossaCollection
import GlossaCore
import GlossaEncoder
import GlossaEval
import GlossaLexical
import GlossaSearch
import GlossaTestSupport
import GlossaTokenizer
import Testing

/// The real analyzer with constant vectors: for measuring the lexical side without encoding anything.
private struct LexicalOnlyEncoder: CollectionEncoder {
    let analyzer: LexicalAnalyzer
    var modelName: String { "lexical-only" }
    var dimension: Int { 4 }
    var maxTokens: Int { 100_000 }
    var lexicalAnalyzer: any TermAnalyzer { analyzer }
    func tokenRanges(_ text: String) throws -> [Range<Int>] { [0..<text.utf8.count] }
    func embed(_ texts: [String], kind: TextKind) throws -> [[Float]] { texts.map { _ in [1, 0, 0, 0] } }
}

private var xquad: URL { TestLocations.shared.appendingPathComponent("data/xquad") }

@Suite(.enabled(if: TestLocations.modelTestsEnabled && TestLocations.sharedTestsEnabled), .serialized)
struct HybridXquadTests {
    /// Indexes one language's paragraphs and returns the searcher and the dataset.
    static func open(_ language: String, encoder: any CollectionEncoder) throws -> (Searcher, BEIRDataset) {
        let dataset = try XquadConverter.convertParagraphs(directory: xquad.path, language: language)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("glossa-xquad-\(UUID().uuidString)")
        try dataset.write(to: folder.path)
        let collection = try DocumentCollection(
            folder: folder.appendingPathComponent("c"), model: (encoder.modelName, encoder.dimension),
            create: CollectionSettings(), writable: true, backend: FaissBackend(), analyzer: encoder.lexicalAnalyzer)
        _ = try collection.ingest(inputs: [folder.appendingPathComponent("corpus.jsonl").path], encoder: encoder)
        return (Searcher(collection: collection, encoder: encoder), dataset)
    }

    static func nDCG(_ searcher: Searcher, _ dataset: BEIRDataset, mode: SearchMode, vectors: [[Float]]? = nil,
                     fusion: Fusion = .standard) throws -> Double {
        let (report, _) = try RetrievalRun.evaluate(
            searcher: searcher, queries: dataset.queries, qrels: dataset.qrels, k: 100, mode: mode, fusion: fusion,
            vectors: vectors)
        return report.means["nDCG@10"] ?? 0
    }

    @Test("Chinese, lexical side: bigrams find the paragraph (FTS5 unicode61 scores 11.4 here)")
    func chineseLexical() throws {
        let path = TestLocations.modelFolder.appendingPathComponent("sentencepiece.bpe.model").path
        let encoder = LexicalOnlyEncoder(analyzer: LexicalAnalyzer(tokenizer: try Tokenizer(modelPath: path)))
        let (searcher, dataset) = try Self.open("zh", encoder: encoder)
        #expect(dataset.corpus.count == 240 && dataset.queries.count == 1_190)
        let lexical = try Self.nDCG(searcher, dataset, mode: .lexical)
        #expect(lexical >= 0.90, "zh lexical nDCG@10 \(lexical)")
    }

    @Test("Thai end to end: lexical works without word boundaries, hybrid beats both legs")
    func thaiHybrid() throws {
        let encoder = try Encoder(modelFolder: TestLocations.modelFolder.path)
        let (searcher, dataset) = try Self.open("th", encoder: encoder)
        // One encoding of the questions serves every mode.
        let vectors = try encoder.embed(dataset.queries.map(\.text), kind: .query)
        let dense = try Self.nDCG(searcher, dataset, mode: .dense, vectors: vectors)
        let lexical = try Self.nDCG(searcher, dataset, mode: .lexical)
        let hybrid = try Self.nDCG(searcher, dataset, mode: .hybrid, vectors: vectors)
        let rrf = try Self.nDCG(searcher, dataset, mode: .hybrid, vectors: vectors, fusion: .rrf(k: 60))
        print(String(format: "th nDCG@10: dense %.4f lexical %.4f hybrid %.4f rrf %.4f", dense, lexical, hybrid, rrf))
        #expect(lexical >= 0.90, "th lexical nDCG@10 \(lexical)")
        #expect(hybrid >= max(dense, lexical) - 0.003, "hybrid \(hybrid), dense \(dense), lexical \(lexical)")
        #expect(hybrid >= dense + 0.02)
    }
}
