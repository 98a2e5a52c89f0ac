// FidelityBench: the int8 path against the fp32 path on every Tatoeba sentence (../shared/data/tatoeba), in one
// process: per language, the cosine of each sentence's int8 and fp32 query embeddings, and the bitext F1 of
// both paths (MTEB protocol: nearest English sentence by cosine, weighted F1). Too slow for `make test` (about
// 200,000 sentences); Benchmarks/run-fidelity.sh runs it.
//
// With `--noise-seeds N` it also scores a control: each fp32 vector turned by exactly the angle its int8 vector
// is away from it, but in a random direction (N seeds). The control keeps int8's error size, vector by vector,
// and drops its structure, so its per-language F1 changes show how much of int8's are what any error of that
// size does to a language of a few hundred sentences (where one changed nearest neighbour is 0.4 F1 points).
import Foundation
import GlossaCollection
import GlossaCore
import GlossaEncoder
import GlossaEval
import GlossaTestSupport

/// `GlossaBench fidelity --model DIR --tatoeba DIR [--languages a,b,c] [--threads 2]`
enum FidelityBench {
    static func run(_ options: [String: String]) throws {
        guard let model = options["model"], let folder = options["tatoeba"] else {
            throw EncodeBench.UsageError(description: "--model and --tatoeba are required")
        }
        let threads = try EncodeBench.int(options, "threads", 2)
        let noiseSeeds = options["noise-seeds"] == nil ? 0 : try EncodeBench.int(options, "noise-seeds", 0)
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
            var fields: [String: Any] = [
                "name": "tatoeba", "language": language, "sentences": cosines.count,
                "mean_cosine": cosines.reduce(0, +) / Double(cosines.count), "min_cosine": cosines.min() ?? 1,
                "f1_fp32": f1 * 100, "f1_int8": f1Int8 * 100,
            ]
            if noiseSeeds > 0 {
                fields["f1_noise"] = try (0..<noiseSeeds).map { seed -> Double in
                    // One stream per (language, seed): a language's control does not depend on which others ran.
                    var random = SplitMix64(seed: UInt64(seed) &* 0x9E37_79B9 ^ StableHash.fnv1a(language.utf8))
                    let turn = { (e: [Float], a: [Float]) in turnedAsFar(e, as: a, random: &random) }
                    let noisy = (zip(exact.0, approx.0).map(turn), zip(exact.1, approx.1).map(turn))
                    return try BitextMetrics.score(sources: noisy.0, targets: noisy.1).f1 * 100
                }
            }
            EncodeBench.emit(fields)
        }
        let sorted = allCosines.sorted()
        EncodeBench.emit([
            "name": "tatoeba_summary", "languages": languages.count, "sentences": sorted.count,
            "mean_cosine": sorted.reduce(0, +) / Double(max(1, sorted.count)),
            "p1_cosine": sorted.isEmpty ? 1 : sorted[sorted.count / 100], "min_cosine": sorted.first ?? 1,
        ])
    }

    /// `exact` turned by the angle between `exact` and `approx`, towards a random unit direction orthogonal to
    /// `exact` (so cosine(result, exact) = cosine(approx, exact)); the result has `exact`'s norm.
    static func turnedAsFar(_ exact: [Float], as approx: [Float], random: inout SplitMix64) -> [Float] {
        let norm = exact.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
        guard norm > 0 else { return exact }
        let unit = exact.map { Double($0) / norm }
        var direction = unit.map { _ in random.nextGaussian() }
        let along = zip(direction, unit).reduce(0.0) { $0 + $1.0 * $1.1 }
        for i in direction.indices { direction[i] -= along * unit[i] }
        let length = direction.reduce(0.0) { $0 + $1 * $1 }.squareRoot()
        let c = min(1, max(-1, cosine(exact, approx)))
        let s = (1 - c * c).squareRoot()
        return unit.indices.map { Float(norm * (c * unit[$0] + s * direction[$0] / length)) }
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

/// Box–Muller normals from SplitMix64 (GlossaTestSupport): the control must be the same on every run.
extension SplitMix64 {
    /// Uniform in (0, 1).
    mutating func nextUnit() -> Double { (Double(next() >> 11) + 0.5) / Double(1 << 53) }

    mutating func nextGaussian() -> Double {
        (-2 * log(nextUnit())).squareRoot() * cos(2 * Double.pi * nextUnit())
    }
}
