// `glossa convert-xquad`: XQuAD-R JSON → BEIR layout under the LAReQA protocol. Parsing and
// formatting only; the conversion is GlossaEval's `XquadConverter`.
import ArgumentParser
import Foundation
import GlossaEval

/// `glossa convert-xquad <xquad-r dir> --languages ar,de,en,es,ru,zh --out <dir>`
struct ConvertXquadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convert-xquad",
        abstract: "Convert XQuAD-R to BEIR files (corpus.jsonl, queries.jsonl, qrels/test.tsv).",
        discussion: """
            LAReQA protocol: the candidate pool is every sentence (from sentence_breaks) of every paragraph \
            of the chosen languages, deduplicated by exact text within a language; every question of every \
            chosen language is a query; its relevant documents are the sentences holding its answer \
            (answer_start inside [start, end) of a sentence break) in each chosen language. \
            Document ids are <lang>-<n>, query ids <question id>-<lang>; both carry metadata.language. \
            With --paragraphs the folder is XQuAD's (xquad.<lang>.json) and each language becomes its own \
            same-language set under <out>/<lang>/: its paragraphs are the corpus, its questions the queries, \
            the paragraph a question was asked about its one relevant document.
            """
    )

    @Argument(help: "Folder with <lang>.json files from LAReQA's xquad-r/.")
    var directory: String

    @Option(name: .long, help: "Comma-separated language codes, in output order.")
    var languages: String = "ar,de,en,es,ru,zh"

    @Option(name: .long, help: "Output folder (created if needed).")
    var out: String

    @Flag(name: .long, help: "Same-language paragraph retrieval from XQuAD (xquad.<lang>.json), one set per language.")
    var paragraphs = false

    func validate() throws {
        guard !parsedLanguages.isEmpty else { throw ValidationError("--languages names no language.") }
    }

    var parsedLanguages: [String] {
        languages.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    func run() throws {
        if paragraphs {
            for language in parsedLanguages {
                let dataset = try XquadConverter.convertParagraphs(directory: directory, language: language)
                let folder = URL(fileURLWithPath: out).appendingPathComponent(language).path
                try dataset.write(to: folder)
                print("\(language): \(dataset.corpus.count) paragraphs, \(dataset.queries.count) queries; wrote \(folder)")
            }
            return
        }
        let dataset = try XquadConverter.convert(directory: directory, languages: parsedLanguages)
        try dataset.write(to: out)
        let relevantCounts = dataset.qrels.values.map(\.count)
        print("pool \(dataset.corpus.count) sentences, \(dataset.queries.count) queries, "
            + "relevant per query \(relevantCounts.min() ?? 0)–\(relevantCounts.max() ?? 0); wrote \(out)")
    }
}
