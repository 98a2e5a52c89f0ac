// `glossa eval`: BEIR queries and qrels against a collection, with trec_eval's metric definitions.
// Parsing and formatting only; the work is GlossaEval's `RetrievalRun.evaluate(searcher:…)`.
import ArgumentParser
import Foundation
import GlossaCore
import GlossaEncoder
import GlossaEval
import GlossaSearch
import GlossaCollection

/// `glossa eval <collection> --queries <queries.jsonl> --qrels <qrels.tsv> [--k 100] [--run <out.trec>] [--json]`
struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Evaluate retrieval on a collection: nDCG@10, Recall@100, MRR@10, MAP.",
        discussion: """
            Queries are BEIR queries.jsonl ("_id", "text"); qrels are BEIR TSV (query-id, corpus-id, score, \
            with a header line) or TREC qrels. Definitions follow trec_eval: rankings are ordered by score, \
            ties by document id (descending); a grade >= 1 is relevant; nDCG uses the grade as gain; \
            queries without qrels are skipped; judged queries with nothing relevant score 0. MRR@10 is \
            BEIR's. MAP is computed over the top --k documents, so use the collection size for a \
            full-ranking MAP (as LAReQA's XQuAD-R mAP). --run writes a TREC run file (qid Q0 docid rank \
            score tag) that trec_eval reads.
            """
    )

    @Argument(help: "Collection folder (made by `glossa index`).")
    var collection: String

    @Option(name: .long, help: "BEIR queries.jsonl.")
    var queries: String

    @Option(name: .long, help: "Qrels: BEIR TSV with header, or TREC 4-column qrels.")
    var qrels: String

    @Option(name: .long, help: "Documents retrieved per query (1…10000); MAP and Recall@100 see only these.")
    var k: Int = 100

    @Option(name: .customLong("run"), help: "Write a TREC run file here.")
    var runFile: String?

    @Option(name: .long, help: "Documents per query in the run file (default: all k).")
    var runDepth: Int?

    @Option(name: .long, help: "Run tag (last column of the run file).")
    var tag: String = "glossa"

    @Option(name: .long, help: "Model folder (default: $GLOSSA_MODEL, then \(ModelLocation.defaultPath)).")
    var model: String?
    @OptionGroup var precision: PrecisionOption

    @Flag(name: .long, help: "Score judged queries that are missing from the queries file as 0 (trec_eval -c).")
    var countMissing = false

    @Flag(name: .long, help: "Print JSON: means, per-query values and skipped query ids.")
    var json = false

    @Flag(name: .long, help: "No progress lines on standard error.")
    var quiet = false

    @OptionGroup var modes: SearchModeOptions

    @Option(name: .long, help: "Embedding cache folder for the query vectors (default: none, encode every run).")
    var cache: String?

    @Option(name: .long, help: "Also time N queries one at a time (encode + search, top 10) and report the median ms.")
    var latency: Int?

    func validate() throws {
        guard k >= 1 else { throw ValidationError("--k must be at least 1, not \(k).") }
        if let runDepth, runDepth < 1 { throw ValidationError("--run-depth must be at least 1, not \(runDepth).") }
    }

    func run() throws {
        let queryRecords = try BEIRFormat.readRecords(path: queries)
        let judgments = try BEIRFormat.readQrels(path: qrels)
        let embedder = try EncoderEmbedder(modelFolder: ModelLocation.resolve(model), precision: precision.value)
        let encoder = embedder.encoder
        let opened = try DocumentCollection(
            folder: URL(fileURLWithPath: collection), model: (encoder.modelName, encoder.dimension), writable: false,
            backend: FaissBackend())
        let searcher = Searcher(collection: opened, encoder: encoder)
        var vectors: [[Float]]?
        if let cache, modes.searchMode != .lexical {
            vectors = try EmbeddingCache(folder: cache).embed(queryRecords.map(\.text), with: embedder)
        }
        let (report, ranked) = try RetrievalRun.evaluate(
            searcher: searcher, queries: queryRecords, qrels: judgments, k: k,
            evaluator: RetrievalEvaluator(countMissing: countMissing), runDepth: runDepth, showProgress: !quiet,
            mode: modes.searchMode, fusion: modes.parsedFusion, vectors: vectors)
        var latencyMedian: Double?
        if let latency, latency > 0 {
            let times = try RetrievalRun.latencies(
                searcher: searcher, queries: Array(queryRecords.prefix(latency)), mode: modes.searchMode,
                fusion: modes.parsedFusion
            ).sorted()
            latencyMedian = times.isEmpty ? nil : times[times.count / 2]
        }
        if let runFile {
            try TrecRun.write(ranked, order: queryRecords.map(\.id), tag: tag, path: runFile)
        }
        if json {
            var object = report.jsonObject()
            object["collection"] = collection
            object["k"] = k
            object["queries"] = queryRecords.count
            object["mode"] = modes.searchMode.rawValue
            object["fusion"] = modes.parsedFusion.description
            if let latencyMedian { object["latencyMedianMs"] = latencyMedian }
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
            print(String(decoding: data, as: UTF8.self))
        } else {
            print(report.summary())
            if let latencyMedian { print(String(format: "latency     %.2f ms median per query", latencyMedian)) }
        }
    }
}
