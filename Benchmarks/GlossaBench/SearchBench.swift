// SearchBench: Glossa's half of Benchmarks/run-search.sh. Reads the raw float32 files that
// peers/faiss_search.py generates, builds a VectorIndex, and prints JSON lines in the peer's format:
// build_s, batch_qps, latency_ms, peak_rss_mb (medians of --runs runs after one warm-up).
import Foundation
import GlossaIndex

/// `GlossaBench search --base F --n N --d D --queries F --nq NQ --index flat|ivf [--nlist L] [--nprobe P]
/// [--k 10] [--runs 5] [--threads 2] [--latency-count 100] [--train-per-list 64] [--kernel glossa|blas|faiss]`
enum SearchBench {
    struct Options {
        var base = ""
        var queries = ""
        var n = 0
        var d = 384
        var nq = 1000
        var index = "flat"
        var nlist = 1024
        var nprobe = 32
        var k = 10
        var runs = 5
        var threads = 2
        var latencyCount = 100
        var trainPerList = 64
        var kernel = "glossa"
        var ivfKernel = "glossa"
    }

    struct UsageError: Error, CustomStringConvertible {
        let description: String
    }

    /// Runs `GlossaBench search <options>` (arguments = the full command line) and exits; 1 on error.
    static func main(_ arguments: [String]) -> Never {
        do {
            try run(arguments: Array(arguments.dropFirst(2)))
            exit(0)
        } catch {
            FileHandle.standardError.write(Data("\(error)\n".utf8))
            exit(1)
        }
    }

    static func run(arguments: [String]) throws {
        let options = try parse(arguments)
        VectorIndex.setThreadCount(options.threads)
        FileHandle.standardError.write(Data("search: OpenBLAS core \(VectorIndex.blasCore)\n".utf8))
        let base = try load(options.base, rows: options.n, dimension: options.d)
        let queries = try load(options.queries, rows: options.nq, dimension: options.d)
        let side = options.index == "flat" ? "glossa-\(options.kernel)" : "glossa-\(options.ivfKernel)"
        let exactKernel: SearchParameters.ExactKernel =
            switch options.kernel {
            case "faiss": .faiss
            case "blas": .glossaBLAS
            default: .glossa
            }
        let parameters = SearchParameters(
            nprobe: options.nprobe, exactKernel: exactKernel,
            ivfKernel: options.ivfKernel == "faiss" ? .faiss : .glossa)

        var start = Date()
        let spec: IndexSpec = options.index == "flat" ? .flat : .ivf(nlist: options.nlist)
        let index = try VectorIndex(spec: spec, dimension: options.d, expectedCount: options.n)
        if index.needsTraining {
            let sample = min(options.n, options.nlist * options.trainPerList)
            try index.train(Array(base[0..<sample * options.d]))
        }
        try index.add(base, ids: (0..<Int64(options.n)).map { $0 })
        emit(side, options, "build_s", [Date().timeIntervalSince(start)])

        _ = try index.search(queries, k: options.k, parameters: parameters)
        var qps: [Double] = []
        for _ in 0..<options.runs {
            start = Date()
            _ = try index.search(queries, k: options.k, parameters: parameters)
            qps.append(Double(options.nq) / Date().timeIntervalSince(start))
        }
        emit(side, options, "batch_qps", qps)

        let count = min(options.latencyCount, options.nq)
        var latency: [Double] = []
        for _ in 0..<options.runs {
            start = Date()
            for i in 0..<count {
                _ = try index.search(Array(queries[i * options.d..<(i + 1) * options.d]), k: options.k, parameters: parameters)
            }
            latency.append(Date().timeIntervalSince(start) * 1000 / Double(count))
        }
        emit(side, options, "latency_ms", latency)
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        emit(side, options, "peak_rss_mb", [Double(usage.ru_maxrss) / 1024])
    }

    private static func emit(_ side: String, _ options: Options, _ metric: String, _ values: [Double]) {
        let sorted = values.sorted()
        let median = sorted.count % 2 == 1
            ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
        let runs = values.map { String($0) }.joined(separator: ", ")
        let line = #"{"side": "\#(side)", "index": "\#(options.index)", "n": \#(options.n), "metric": "\#(metric)", "median": \#(median), "runs": [\#(runs)]}"#
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    private static func load(_ path: String, rows: Int, dimension: Int) throws -> [Float] {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw UsageError(description: "search: cannot open \(path); run Benchmarks/run-search.sh to generate it")
        }
        defer { try? handle.close() }
        var values = [Float](repeating: 0, count: rows * dimension)
        let byteCount = values.count * MemoryLayout<Float>.size
        var filled = 0
        try values.withUnsafeMutableBytes { buffer in
            while filled < byteCount {
                guard let chunk = try handle.read(upToCount: min(1 << 26, byteCount - filled)), !chunk.isEmpty else {
                    throw UsageError(description: "search: \(path) holds fewer than \(rows)x\(dimension) floats")
                }
                chunk.copyBytes(to: UnsafeMutableRawBufferPointer(rebasing: buffer[filled..<filled + chunk.count]))
                filled += chunk.count
            }
        }
        return values
    }

    private static func parse(_ arguments: [String]) throws -> Options {
        var options = Options()
        var iterator = arguments.makeIterator()
        while let flag = iterator.next() {
            guard let value = iterator.next() else { throw UsageError(description: "search: \(flag) needs a value") }
            func int() throws -> Int {
                guard let number = Int(value) else { throw UsageError(description: "search: \(flag) \(value) is not an integer") }
                return number
            }
            switch flag {
            case "--base": options.base = value
            case "--queries": options.queries = value
            case "--n": options.n = try int()
            case "--d": options.d = try int()
            case "--nq": options.nq = try int()
            case "--index": options.index = value
            case "--nlist": options.nlist = try int()
            case "--nprobe": options.nprobe = try int()
            case "--k": options.k = try int()
            case "--runs": options.runs = try int()
            case "--threads": options.threads = try int()
            case "--latency-count": options.latencyCount = try int()
            case "--train-per-list": options.trainPerList = try int()
            case "--kernel": options.kernel = value
            case "--ivf-kernel": options.ivfKernel = value
            default: throw UsageError(description: "search: unknown option \(flag)")
            }
        }
        guard options.n > 0, !options.base.isEmpty, !options.queries.isEmpty else {
            throw UsageError(description: "search: --base, --n and --queries are required")
        }
        return options
    }
}
