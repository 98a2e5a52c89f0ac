// FidelityBench: the int8 path against the fp32 path on every Tatoeba sentence (../shared/data/tatoeba), in one
// process: per language, the cosine of each sentence's int8 and fp32 query embeddings, and the bitext F1 of
// both paths (MTEB protocol: nearest English sentence by cosine, weighted F1). Too slow for `make test` (about
// 200,000 sentences); Benchmarks/run-fidelity.sh runs it.
import Foundation
import GlossaCore
import GlossaEncoder
import GlossaEval

/// `GlossaBench fidelity --model DIR --tatoeba DIR [--languages a,b,c] [--threads 2]`
enum FidelityBench {
    static func run(_ options: [String: String]) throws {
        guard let model = options["model"], let folder = options["tatoeba"] else {
            throw EncodeBench.UsageError(description: "--model and --tatoeba are required")
        }
        let threads = try EncodeBench.int(options, "threads", 2)
        let fp32 = try Encoder(modelFolder: model, threads: threads)
        let int8 = try Encoder(modelFolder: model, threads: threads, precision: .int8)
        let names = try FileManager.default.contentsOfDirectory(atPath: folder)
        var languages = names.compactMap { name -> String? in
            guard name.hasPrefix("tatoeba."), name.hasSuffix("-eng.eng") else { return nil }
            return String(name.dropFirst("tatoeba.".count).dropLast("-eng.eng".count))
        }.sorted()
        if let only = options["languages"] {
            languages = languages.filter { only.split(separator: ",").contains(Substring($0)) }
        }
        var allCosines: [Double] = []
        for language in languages {
            let base = "\(folder)/tatoeba.\(language)-eng"
            let sources = try EncodeBench.lines("\(base).\(language)")
            let targets = try EncodeBench.lines("\(base).eng")
            guard sources.count == targets.count else { continue }
            let exact = (try fp32.embed(queries: sources), try fp32.embed(queries: targets))
            let approx = (try int8.embed(queries: sources), try int8.embed(queries: targets))
            let cosines = zip(exact.0 + exact.1, approx.0 + approx.1).map { cosine($0, $1) }
            allCosines += cosines
            let f1 = try BitextMetrics.score(sources: exact.0, targets: exact.1).f1
            let f1Int8 = try BitextMetrics.score(sources: approx.0, targets: approx.1).f1
            EncodeBench.emit([
                "name": "tatoeba", "language": language, "sentences": cosines.count,
                "mean_cosine": cosines.reduce(0, +) / Double(cosines.count), "min_cosine": cosines.min() ?? 1,
                "f1_fp32": f1 * 100, "f1_int8": f1Int8 * 100,
            ])
        }
        let sorted = allCosines.sorted()
        EncodeBench.emit([
            "name": "tatoeba_summary", "languages": languages.count, "sentences": sorted.count,
            "mean_cosine": sorted.reduce(0, +) / Double(max(1, sorted.count)),
            "p1_cosine": sorted.isEmpty ? 1 : sorted[sorted.count / 100], "min_cosine": sorted.first ?? 1,
        ])
    }

    static func cosine(_ a: [Float], _ b: [Float]) -> Double {
        var dot = 0.0
        var na = 0.0
        var nb = 0.0
        for i in a.indices {
            dot += Double(a[i]) * Double(b[i])
            na += Double(a[i]) * Double(a[i])
            nb += Double(b[i]) * Double(b[i])
        }
        return dot / (na.squareRoot() * nb.squareRoot())
    }
}
