// `glossa search`: one query (ranked hits, or --json), or a BEIR queries file (one JSON line per
// query, in input order). The work is GlossaSearch's `Searcher.search(queries:k:filters:parameters:)`.
import ArgumentParser
import Foundation
import GlossaCollection
import GlossaSearch
import GlossaStore

struct SearchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "Search a collection.",
        discussion: """
            Documents score as their best chunk. --filter key=value (repeatable) keeps documents whose \
            metadata has that value (all filters must match; nested keys use dots, arrays match any \
            element). --mode lexical searches the lexical index (bm25 over words, CJK bigrams and the \
            encoder's sentencepiece pieces, any term matching), --mode hybrid fuses the top 100 documents of \
            both sides (--fusion convex:0.5 by default, or rrf). With --queries, prints one JSON line per query: {"query_id","query","hits"}.
            """)

    @OptionGroup var target: CollectionArgument
    @Argument(help: "The query text.") var query: String?
    @OptionGroup var model: ModelOption
    @OptionGroup var precision: PrecisionOption
    @OptionGroup var modes: SearchModeOptions
    @Option(name: .long, help: "Number of documents to return.") var k: Int = 10
    @Option(name: .long, help: "Metadata filter key=value (repeatable).") var filter: [String] = []
    @Option(name: .long, help: "IVF: lists visited per query.") var nprobe: Int?
    @Option(name: .long, help: "HNSW: candidate list size.") var efSearch: Int?
    @Option(name: .long, help: "A BEIR queries.jsonl file (_id, text) instead of a query.") var queries: String?
    @Flag(name: .long, help: "Print JSON.") var json = false

    func validate() throws {
        guard (query == nil) != (queries == nil) else {
            throw ValidationError("Give either a query text or --queries <file>, not both or neither.")
        }
        guard (1...10_000).contains(k) else { throw ValidationError("--k must be in 1...10000.") }
    }

    func run() throws {
        let filters = try filter.map { try MetadataFilter(parsing: $0) }
        let searcher = try Searcher(collection: target.folder, modelFolder: model.folder, precision: precision.value)
        searcher.collection.reportShardRepairs()
        let parameters = SearchOptions(nprobe: nprobe, efSearch: efSearch)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        if let queries {
            let list = try Query.read(path: queries)
            let results = try searcher.search(queries: list, k: k, filters: filters, parameters: parameters,
                                              mode: modes.searchMode, fusion: modes.parsedFusion)
            for (query, hits) in zip(list, results) {
                let line = try encoder.encode(BatchLine(query_id: query.id, query: query.text, hits: hits))
                print(String(decoding: line, as: UTF8.self))
            }
            return
        }
        let text = query ?? ""
        let hits = try searcher.search(text, k: k, filters: filters, parameters: parameters, mode: modes.searchMode,
                                       fusion: modes.parsedFusion)
        if json {
            print(String(decoding: try encoder.encode(Output(query: text, hits: hits)), as: UTF8.self))
            return
        }
        if hits.isEmpty { print("no results") }
        for (rank, hit) in hits.enumerated() {
            print(String(format: "%2d. %.4f  ", rank + 1, hit.score) + hit.id + (hit.title.map { "  " + $0 } ?? ""))
            print("    " + Self.snippet(hit.text))
            if !hit.metadata.isEmpty { print("    " + MetadataValue.canonicalJSON(hit.metadata)) }
        }
    }

    static func snippet(_ text: String, limit: Int = 160) -> String {
        let flat = text.split(whereSeparator: \.isNewline).joined(separator: " ")
        return flat.count <= limit ? flat : String(flat.prefix(limit)) + "…"
    }

    struct Output: Encodable {
        var query: String
        var hits: [Hit]
    }

    struct BatchLine: Encodable {
        var query_id: String
        var query: String
        var hits: [Hit]
    }
}
