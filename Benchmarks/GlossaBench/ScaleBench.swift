// ScaleBench: Glossa's search half of Benchmarks/run-scale.sh. Opens a collection read-only, searches it
// with precomputed query vectors through DocumentCollection.searchChunks (the index, then exact re-scoring
// from SQLite, as every user search does), and prints JSON lines: batch_qps (median of --runs),
// latency_p50_ms / latency_p99_ms (one query per call), recall_at_10 against the exact row numbers in
// --truth, index_memory_mb, peak_rss_mb. Chunk id i is bundle row i - 1 (a collection made by one import).
import Foundation
import GlossaCollection

/// `GlossaBench scale --collection DIR --queries Q.f32 --nq NQ --d D --truth T.i64 --label L --n N
/// [--k 10] [--runs 3] [--latency-count 200] [--nprobe P] [--candidates C]`
enum ScaleBench {
    static func main(_ arguments: [String]) -> Never {
        do {
            try run(Array(arguments.dropFirst(2)))
            exit(0)
        } catch {
            FileHandle.standardError.write(Data("scale: \(error)\n".utf8))
            exit(1)
        }
    }

    struct Failure: Error, CustomStringConvertible { let description: String }

    static func run(_ arguments: [String]) throws {
        var options: [String: String] = [:]
        var iterator = arguments.makeIterator()
        while let flag = iterator.next() {
            guard flag.hasPrefix("--"), let value = iterator.next() else { throw Failure(description: "bad option \(flag)") }
            options[String(flag.dropFirst(2))] = value
        }
        func int(_ name: String, _ fallback: Int? = nil) throws -> Int {
            guard let value = options[name].flatMap(Int.init) ?? fallback else { throw Failure(description: "--\(name) needed") }
            return value
        }
        guard let path = options["collection"], let queriesPath = options["queries"], let truthPath = options["truth"],
            let label = options["label"]
        else { throw Failure(description: "--collection, --queries, --truth and --label are required") }
        let d = try int("d", 384), nq = try int("nq", 1000), k = try int("k", 10), runs = try int("runs", 3)
        let latencyCount = try int("latency-count", 200), n = try int("n")
        // Optional sweeps: --nprobe and --candidates (per-shard depth before exact re-scoring) override the defaults.
        let search = SearchOptions(
            nprobe: options["nprobe"].flatMap(Int.init), candidates: options["candidates"].flatMap(Int.init))
        let queries = try floats(queriesPath, count: nq * d)
        let truth = try int64s(truthPath, count: nq * k)
        let collection = try DocumentCollection(
            folder: URL(fileURLWithPath: path), model: nil, writable: false, backend: FaissBackend())
        func emit(_ metric: String, _ values: [Double]) {
            let sorted = values.sorted()
            let median = sorted[sorted.count / 2]
            let line = #"{"side": "glossa", "index": "\#(label)", "n": \#(n), "metric": "\#(metric)", "median": \#(median), "runs": [\#(values.map { String($0) }.joined(separator: ", "))]}"#
            FileHandle.standardOutput.write(Data((line + "\n").utf8))
        }
        // Warm-up: pages the index and the SQLite vectors in.
        var results = try collection.searchChunks(queries, k: k, options: search)
        var qps: [Double] = []
        for _ in 0..<runs {
            let start = Date()
            results = try collection.searchChunks(queries, k: k, options: search)
            qps.append(Double(nq) / Date().timeIntervalSince(start))
        }
        emit("batch_qps", qps)
        var hits = 0
        for q in 0..<nq {
            let expected = Set(truth[q * k..<(q + 1) * k])
            hits += results[q].prefix(k).filter { expected.contains($0.id - 1) }.count
        }
        emit("recall_at_10", [Double(hits) / Double(nq * k)])
        var p50: [Double] = [], p99: [Double] = []
        for _ in 0..<runs {
            var times: [Double] = []
            for q in 0..<min(latencyCount, nq) {
                let start = Date()
                _ = try collection.searchChunks(Array(queries[q * d..<(q + 1) * d]), k: k, options: search)
                times.append(Date().timeIntervalSince(start) * 1000)
            }
            times.sort()
            p50.append(times[times.count / 2])
            p99.append(times[min(times.count - 1, Int(Double(times.count) * 0.99))])
        }
        emit("latency_p50_ms", p50)
        emit("latency_p99_ms", p99)
        let info = try collection.info()
        emit("index_memory_mb", [Double(info.shardMemoryBytes.reduce(0) { $0 + ($1 ?? 0) }) / 1_048_576])
        emit("db_mb", [Double(info.databaseBytes) / 1_048_576])
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        emit("search_peak_rss_mb", [Double(usage.ru_maxrss) / 1024])
    }

    static func floats(_ path: String, count: Int) throws -> [Float] {
        guard let data = FileManager.default.contents(atPath: path), data.count >= count * 4 else {
            throw Failure(description: "\(path) holds fewer than \(count) float32")
        }
        return data.withUnsafeBytes { raw in (0..<count).map { raw.loadUnaligned(fromByteOffset: $0 * 4, as: Float.self) } }
    }

    static func int64s(_ path: String, count: Int) throws -> [Int64] {
        guard let data = FileManager.default.contents(atPath: path), data.count >= count * 8 else {
            throw Failure(description: "\(path) holds fewer than \(count) int64")
        }
        return data.withUnsafeBytes { raw in (0..<count).map { raw.loadUnaligned(fromByteOffset: $0 * 8, as: Int64.self) } }
    }
}
