// EncodeBench: Glossa's half of Benchmarks/run-encode.sh (peer: peers/transformers_encode.py), plus an
// sgemm micro-benchmark at the encoder's Linear shapes and a golden parity check for development.
// Prints one JSON object per measurement on stdout, in the peer's format.
import Foundation
import GlossaCore
import GlossaEncoder
import GlossaKernels

/// `GlossaBench encode --model DIR --queries FILE --passages FILE [--runs 5] [--threads 2]
/// [--latency-count 100] [--batch N (ignored: Glossa packs by --token-budget)] [--token-budget 4096]
/// [--precision fp32|int8] [--save DIR]` (--save: queries.f32, passages.f32, raw float32 rows in input order)
/// `GlossaBench sgemm [--tokens 4096] [--runs 5] [--threads 2] [--kernel openblas|onednn]`
/// `GlossaBench int8gemm [--runs 5] [--kernel vnni|avx2|portable] [--weights 4bit|int8]`
/// (one thread, GOP/s at 13, 128, 416, 4096 rows)
/// `GlossaBench attention [--runs 5] [--head-size 32]` (one head, each kernel, at 13, 20, 128, 512 tokens)
/// `GlossaBench repeat --model DIR --queries FILE [--precision int8] [--calls 10000]` (RSS over repeated calls)
/// `GlossaBench encode-parity --model DIR --golden ../shared/golden/texts.jsonl`
enum EncodeBench {
    struct UsageError: Error, CustomStringConvertible {
        let description: String
    }

    static let usage = """
        usage: GlossaBench encode --model DIR --queries FILE --passages FILE [--runs 5] [--threads 2]
                                  [--latency-count 100] [--token-budget 4096] [--batch N (ignored)]
                                  [--precision fp32|int8] [--save DIR]
               GlossaBench sgemm [--tokens 4096] [--runs 5] [--threads 2] [--kernel openblas|onednn]
               GlossaBench int8gemm [--runs 5] [--kernel vnni|avx2|portable] [--weights 4bit|int8]
               GlossaBench attention [--runs 5] [--head-size 32]
               GlossaBench quantize [--runs 5]
               GlossaBench repeat --model DIR --queries FILE [--precision int8] [--calls 10000]
               GlossaBench encode-parity --model DIR --golden FILE
        """

    /// Runs the subcommand named by `arguments[1]` and exits; 1 on error.
    static func main(_ arguments: [String]) -> Never {
        let rest = Array(arguments.dropFirst(2))
        if rest.contains("--help") || rest.contains("-h") {
            print(usage)
            exit(0)
        }
        do {
            let options = try parse(rest)
            switch arguments[1] {
            case "sgemm": try sgemmBench(options)
            case "int8gemm": try int8GemmBench(options)
            case "attention": try attentionBench(options)
            case "quantize": try quantizeBench(options)
            case "fidelity": try FidelityBench.run(options)
            case "repeat": try repeatBench(options)
            case "encode-parity": try parity(options)
            default: try encodeBench(options)
            }
            exit(0)
        } catch {
            FileHandle.standardError.write(Data("GlossaBench \(arguments[1]): \(error)\n".utf8))
            exit(1)
        }
    }

    static func parse(_ arguments: [String]) throws -> [String: String] {
        var options: [String: String] = [:]
        var index = 0
        while index < arguments.count {
            let key = arguments[index]
            guard key.hasPrefix("--"), index + 1 < arguments.count else {
                throw UsageError(description: "unexpected argument '\(key)'\n\(usage)")
            }
            options[String(key.dropFirst(2))] = arguments[index + 1]
            index += 2
        }
        return options
    }

    static func int(_ options: [String: String], _ key: String, _ fallback: Int) throws -> Int {
        guard let text = options[key] else { return fallback }
        guard let value = Int(text), value > 0 else {
            throw UsageError(description: "--\(key) needs a positive integer, got '\(text)'")
        }
        return value
    }

    static func lines(_ path: String) throws -> [String] {
        var result: [String] = []
        for line in try LineReader(path: path) {
            let text = try line.text(path: path)
            if !text.isEmpty { result.append(text) }
        }
        return result
    }

    static func emit(_ object: [String: Any]) {
        if let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]),
            let text = String(data: data, encoding: .utf8)
        {
            FileHandle.standardOutput.write(Data((text + "\n").utf8))
        }
    }

    static func seconds(_ body: () throws -> Void) rethrows -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }

    /// Median over `runs` timings of `reps` calls of `body`, in seconds per call (the kernel benchmarks' figure).
    static func medianSecondsPerCall(runs: Int, reps: Int, _ body: () throws -> Void) rethrows -> Double {
        let times = try (0..<runs).map { _ in try seconds { for _ in 0..<reps { try body() } } / Double(reps) }
        return median(times)
    }

    /// Process CPU seconds (all threads, user + system), as Python's time.process_time().
    static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        let user = Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
        return user + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        return sorted.count % 2 == 1
            ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }

    // MARK: - encode

    static func encodeBench(_ options: [String: String]) throws {
        guard let model = options["model"], let queriesPath = options["queries"], let passagesPath = options["passages"]
        else {
            throw UsageError(description: "--model, --queries and --passages are required\n\(usage)")
        }
        let runs = try int(options, "runs", 5)
        let threads = try int(options, "threads", 2)
        let latencyCount = try int(options, "latency-count", 100)
        let budget = try int(options, "token-budget", Encoder.defaultTokenBudget)
        guard let precision = Precision(rawValue: options["precision"] ?? "fp32") else {
            throw UsageError(description: "--precision must be fp32 or int8")
        }
        BLAS.setThreadCount(threads)
        let encoder = try Encoder(modelFolder: model, tokenBudget: budget, threads: threads, precision: precision)
        // The exact path on OpenBLAS (GLOSSA_FP32_KERNEL=openblas) is its own side, beside the oneDNN default.
        let side =
            precision == .int8 ? "glossa-int8" : encoder.fp32KernelName == "openblas" ? "glossa-openblas" : "glossa"
        emit([
            "name": "meta", "side": side, "threads": BLAS.threadCount, "openblas_core": BLAS.coreName,
            "token_budget": encoder.tokenBudget, "int8_kernel": encoder.int8KernelName ?? "none",
            "fp32_kernel": encoder.fp32KernelName ?? "none", "four_bit_kernel": encoder.fourBitKernelName ?? "none",
            "int8_four_bit_blocks": encoder.int8WeightBlocks.fourBit, "int8_blocks": encoder.int8WeightBlocks.total,
            "runs": runs, "dtype": precision.rawValue, "model": model, "loadavg": loadAverage(),
        ])
        for (name, path, kind) in [
            ("queries", queriesPath, TextKind.query), ("passages", passagesPath, TextKind.passage),
        ] {
            let texts = try lines(path)
            let tokens = try texts.reduce(0) { $0 + (try encoder.tokenizer.encode($1, kind: kind).count) }
            let vectors = try encoder.embed(texts, kind: kind)  // warm-up, untimed
            if let folder = options["save"] { try save(vectors, to: folder, name: name) }
            var cpu: [Double] = []
            let times = try (0..<runs).map { _ in
                let start = cpuSeconds()
                defer { cpu.append(cpuSeconds() - start) }
                return try seconds { _ = try encoder.embed(texts, kind: kind) }
            }
            let m = median(times)
            let cpuMedian = median(cpu)
            emit([
                "name": name, "side": side, "texts": texts.count, "tokens": tokens, "runs": runs,
                "median_ms": (m * 1e6).rounded() / 1e3, "min_ms": ((times.min() ?? 0) * 1e6).rounded() / 1e3,
                "tokens_per_s": (Double(tokens) / m * 10).rounded() / 10,
                "texts_per_s": (Double(texts.count) / m * 100).rounded() / 100,
                "cpu_ms": (cpuMedian * 1e6).rounded() / 1e3,
                "tokens_per_cpu_s": (Double(tokens) / cpuMedian * 10).rounded() / 10,
            ])
        }
        let singles = Array(try lines(queriesPath).prefix(latencyCount))
        for text in singles.prefix(5) { _ = try encoder.embed(queries: [text]) }
        let tokens = try singles.reduce(0) { $0 + (try encoder.tokenizer.encode($1, kind: .query).count) }
        var latencies: [Double] = []
        for _ in 0..<runs {
            for text in singles { latencies.append(try seconds { _ = try encoder.embed(queries: [text]) }) }
        }
        let sorted = latencies.sorted()
        emit([
            "name": "latency", "side": side, "texts": singles.count, "tokens": tokens, "runs": runs,
            "median_ms": (median(latencies) * 1e6).rounded() / 1e3,
            "p90_ms": (sorted[min(sorted.count - 1, sorted.count * 9 / 10)] * 1e6).rounded() / 1e3,
            "tokens_per_s": (Double(tokens * runs) / latencies.reduce(0, +) * 10).rounded() / 10,
        ])
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        emit(["name": "memory", "side": side, "max_rss_kb": Int(usage.ru_maxrss)])
    }

    /// Writes `vectors` as raw float32 rows to DIR/NAME.f32 (numpy: np.fromfile(path, "<f4").reshape(-1, C)).
    static func save(_ vectors: [[Float]], to folder: String, name: String) throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        var data = Data()
        for vector in vectors { vector.withUnsafeBytes { data.append(contentsOf: $0) } }
        try data.write(to: URL(fileURLWithPath: folder).appendingPathComponent("\(name).f32"))
    }

    static func loadAverage() -> [Double] {
        guard let text = try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8) else { return [] }
        return text.split(separator: " ").prefix(3).compactMap { Double($0) }
    }

    // MARK: - sgemm

    /// GFLOP/s of `linear` at mE5-small's shapes (C 384, F 1536) for T tokens, against the whole layer.
    static func sgemmBench(_ options: [String: String]) throws {
        let t = try int(options, "tokens", 4096)
        let runs = try int(options, "runs", 5)
        guard let kernel = LinearKernel(rawValue: options["kernel"] ?? "openblas") else {
            throw UsageError(description: "--kernel must be onednn or openblas")
        }
        BLAS.setThreadCount(try int(options, "threads", 2))
        let c = 384
        let f = 1536
        let before = BLAS.coreName
        let after = BLAS.selectKernelsForThisCPU()
        emit([
            "name": "sgemm_meta", "side": "glossa", "openblas_core_detected": before, "openblas_core_used": after,
            "threads": BLAS.threadCount,
        ])
        let shapes = [("qkv", c, 3 * c), ("attention_output", c, c), ("ffn_in", c, f), ("ffn_out", f, c)]
        for (name, inF, outF) in shapes {
            let x = [Float](repeating: 0.01, count: t * inF)
            let w = [Float](repeating: 0.02, count: outF * inF)
            let b = [Float](repeating: 0, count: outF)
            var out = [Float](repeating: 0, count: t * outF)
            // oneDNN over a weight packed once (outside the timing), one thread, as the encoder runs it.
            let packed =
                kernel == .onednn
                ? try w.withUnsafeBufferPointer {
                    try PackedLinear(weight: $0.baseAddress!, outFeatures: outF, inFeatures: inF, slices: [0..<outF])
                } : nil
            let run = { () throws in
                try out.withUnsafeMutableBufferPointer { o in
                    guard let base = o.baseAddress else { return }
                    if let packed {
                        try packed.applyAll(x, rows: t, bias: b, into: base)
                    } else {
                        linear(x, rows: t, inFeatures: inF, weight: w, bias: b, outFeatures: outF, into: base)
                    }
                }
            }
            try run()
            // Short products repeat until a timing is ~20 ms long.
            let reps = max(1, 4_000_000_000 / (2 * t * inF * outF) / 50)
            let m = try medianSecondsPerCall(runs: runs, reps: reps, run)
            let flops = 2.0 * Double(t) * Double(inF) * Double(outF)
            emit([
                "name": "sgemm_\(name)", "side": "glossa", "kernel": kernel.rawValue,
                "kernel_impl": packed?.kernelName(rows: t) ?? BLAS.coreName, "m": t, "k": inF, "n": outF,
                "median_ms": (m * 1e6).rounded() / 1e3, "gflop_per_s": (flops / m / 1e8).rounded() / 10,
                "tokens_per_s": (Double(t) / m).rounded(),
            ])
        }
        // The Linear layers' share of one token through the 12 layers: 2·(3C² + C² + 2CF) flops per layer.
        let perToken = 12.0 * 2 * Double(4 * c * c + 2 * c * f)
        emit(["name": "linear_flops_per_token", "side": "glossa", "mflop": perToken / 1e6])
    }

    // MARK: - repeat

    /// Resident memory (/proc/self/statm) while one encoder embeds single queries `calls` times: a leak shows as
    /// RSS growing between the samples after the first thousand calls.
    static func repeatBench(_ options: [String: String]) throws {
        guard let model = options["model"], let queriesPath = options["queries"] else {
            throw UsageError(description: "--model and --queries are required")
        }
        let precision = Precision(rawValue: options["precision"] ?? "int8") ?? .int8
        let calls = try int(options, "calls", 10_000)
        let encoder = try Encoder(modelFolder: model, precision: precision)
        let texts = try lines(queriesPath)
        func residentKB() -> Int {
            let text = (try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8)) ?? ""
            let pages = text.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
            return pages * Int(sysconf(Int32(_SC_PAGESIZE))) / 1024
        }
        emit(["name": "rss", "precision": precision.rawValue, "calls": 0, "rss_kb": residentKB()])
        for call in 1...calls {
            _ = try encoder.embed(queries: [texts[call % texts.count]])
            if call % 1000 == 0 || call == 100 {
                emit(["name": "rss", "precision": precision.rawValue, "calls": call, "rss_kb": residentKB()])
            }
        }
    }

    // MARK: - int8gemm

    /// GOP/s (2·T·K·N integer operations per product, quantising the input included) of the int8 kernel on one
    /// thread at mE5-small's four Linear shapes, for the row counts of the oneDNN table.
    static func int8GemmBench(_ options: [String: String]) throws {
        let runs = try int(options, "runs", 5)
        let kernel = Int8Kernel(rawValue: options["kernel"] ?? Int8Kernel.best.rawValue) ?? .best
        // 4-bit weights (the imported model's, |q| ≤ 8) or plain int8 ones (|q| up to 127, a real fp32 model's).
        let fourBit = (options["weights"] ?? "4bit") == "4bit"
        let c = 384
        let f = 1536
        for t in [13, 128, 416, 4096] {
            for (name, inF, outF) in [
                ("qkv", c, 3 * c), ("attention_output", c, c), ("ffn_in", c, f), ("ffn_out", f, c),
            ] {
                let x = (0..<(t * inF)).map { Float(($0 * 7919) % 201 - 100) / 50 }
                let w = (0..<(outF * inF)).map { (i: Int) -> Float in
                    let grid = Float((i * 104_729) % 16 - 8) / 64
                    let offGrid: Float = fourBit ? 0 : Float((i * 31) % 97) / 9_700
                    return grid + offGrid
                }
                guard
                    let weight = w.withUnsafeBufferPointer({
                        $0.baseAddress.map { QuantizedMatrix(weight: $0, rows: outF, columns: inF) }
                    })
                else { continue }
                let rows = QuantizedRows(capacity: t, maxColumns: inF)
                var out = [Float](repeating: 0, count: t * outF)
                let run = {
                    out.withUnsafeMutableBufferPointer { o in
                        guard let base = o.baseAddress else { return }
                        rows.quantize(x, rows: t, columns: inF, kernel: kernel)
                        int8LinearColumns(
                            rows, weight: weight, bias: nil, columns: 0..<outF, into: base, kernel: kernel)
                    }
                }
                run()
                let reps = max(1, 20_000_000 / (t * inF * outF / 100))
                let m = medianSecondsPerCall(runs: runs, reps: reps, run)
                let weights: String = fourBit ? "4bit" : "int8"
                emit([
                    "name": "int8gemm_\(name)", "side": "glossa-int8", "kernel": kernel.rawValue,
                    "weights": weights, "max_abs_q": weight.maxMagnitude, "m": t, "k": inF,
                    "n": outF, "median_ms": (m * 1e6).rounded() / 1e3,
                    "gop_per_s": (2.0 * Double(t * inF * outF) / m / 1e8).rounded() / 10,
                ])
            }
        }
    }

    /// One head of attention (every kernel this CPU runs) at the lengths of a query, a passage and the longest
    /// text: microseconds per head and GFLOP/s of its two products (4 · n² · d).
    static func attentionBench(_ options: [String: String]) throws {
        let runs = try int(options, "runs", 5)
        let d = try int(options, "head-size", 32)
        for n in [13, 20, 128, 512] {
            let stride = 3 * 12 * d
            let qkv = (0..<(n * stride)).map { Float(($0 * 7919) % 201 - 100) / 100 }
            var out = [Float](repeating: 0, count: n * 12 * d)
            var scratch = [Float](repeating: 0, count: attentionScratchCount(maxLength: n, headSize: d))
            for kernel in AttentionKernel.allCases where kernel.supports(headSize: d) {
                let run = {
                    qkv.withUnsafeBufferPointer { x in
                        guard let q = x.baseAddress else { return }
                        attentionHead(
                            q: q, k: q + 12 * d, v: q + 24 * d, stride: stride, length: n, headSize: d, into: &out,
                            outStride: 12 * d, scratch: &scratch, kernel: kernel)
                    }
                }
                run()
                let reps = max(1, 50_000_000 / (n * n * d))
                let m = medianSecondsPerCall(runs: runs, reps: reps, run)
                emit([
                    "name": "attention_head", "side": "glossa", "kernel": kernel.rawValue, "n": n, "d": d,
                    "median_us": (m * 1e7).rounded() / 10,
                    "gflop_per_s": (4.0 * Double(n * n * d) / m / 1e8).rounded() / 10,
                ])
            }
        }
    }

    /// The int8 path's activation quantiser alone (every kernel this CPU runs), at a query's, a batch's and a
    /// long batch's token counts, for the hidden width (384) and the FFN width (1536): nanoseconds per block of
    /// 32 inputs.
    static func quantizeBench(_ options: [String: String]) throws {
        let runs = try int(options, "runs", 5)
        for (t, k) in [(13, 384), (13, 1536), (416, 384), (416, 1536)] {
            let x = (0..<(t * k)).map { Float(($0 * 7919) % 201 - 100) / 50 }
            let rows = QuantizedRows(capacity: t, maxColumns: k)
            for kernel in Int8Kernel.allCases where kernel.isSupported {
                let run = { rows.quantize(x, rows: t, columns: k, kernel: kernel) }
                run()
                let reps = max(1, 20_000_000 / (t * k))
                let m = medianSecondsPerCall(runs: runs, reps: reps, run)
                emit([
                    "name": "quantize_rows", "side": "glossa-int8", "kernel": kernel.rawValue, "m": t, "k": k,
                    "ns_per_block": (m * 1e9 / Double(t * k / 32) * 10).rounded() / 10,
                ])
            }
        }
    }

    // MARK: - parity

    /// Max |Δ| per component against shared/golden/texts.jsonl (query and passage), for development.
    static func parity(_ options: [String: String]) throws {
        guard let model = options["model"], let golden = options["golden"] else {
            throw UsageError(description: "--model and --golden are required")
        }
        struct Golden: Decodable {
            let id: String
            let text: String
            let query: [Float]
            let passage: [Float]
        }
        let rows = try lines(golden).map { try JSONDecoder().decode(Golden.self, from: Data($0.utf8)) }
        let encoder = try Encoder(modelFolder: model)
        let queries = try encoder.embed(queries: rows.map(\.text))
        let passages = try encoder.embed(passages: rows.map(\.text))
        var worst: Float = 0
        for (i, row) in rows.enumerated() {
            let dq = zip(queries[i], row.query).map { abs($0 - $1) }.max() ?? 0
            let dp = zip(passages[i], row.passage).map { abs($0 - $1) }.max() ?? 0
            worst = max(worst, dq, dp)
            emit(["name": "parity", "id": row.id, "query_max_abs": Double(dq), "passage_max_abs": Double(dp)])
        }
        emit(["name": "parity_summary", "texts": rows.count, "max_abs": Double(worst)])
    }
}
