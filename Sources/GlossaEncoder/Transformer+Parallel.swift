// The parts of the forward pass that are not one big sgemm: attention per (text, head), and the fused
// Linear epilogues (bias + GELU, bias + residual + LayerNorm). When one group runs alone they are spread
// over the cores with DispatchQueue.concurrentPerform, with OpenBLAS set to one thread meanwhile so that
// the small per-head sgemms do not contend for its thread pool.
import Dispatch
import GlossaKernels

/// A raw pointer that may cross into concurrentPerform workers; every worker writes a disjoint range.
struct SharedPointer: @unchecked Sendable {
    let base: UnsafeMutablePointer<Float>

    init(_ base: UnsafeMutablePointer<Float>) { self.base = base }
    init(_ base: UnsafePointer<Float>) { self.base = UnsafeMutablePointer(mutating: base) }
}

extension Transformer {
    /// Row-wise work below this many values runs on the calling thread (dispatch costs ~10 µs).
    static var parallelThreshold: Int { 1 << 15 }

    /// Scaled dot-product attention for every text and head of the batch.
    ///
    /// qkv: (T, 3C) without bias, the head h of text b at rows offsets[b]..<offsets[b]+lengths[b],
    /// columns h·D..<(h+1)·D (+C for keys, +2C for values); bias: (3C); context: (T, C), heads side by side.
    /// Per (b, h): add the head's q/k/v bias; scores (n, n) = q kᵀ / √D; softmax by row; context = scores · v.
    func attention(offsets: [Int], lengths: [Int], workspace ws: Workspace, bias: UnsafePointer<Float>, workers: Int) {
        let c = config.hiddenSize
        let h = config.numAttentionHeads
        let d = config.headSize
        let items = lengths.count * h
        let qkv = SharedPointer(ws.qkv.pointer)
        let context = SharedPointer(ws.context.pointer)
        let qkvBias = SharedPointer(bias)
        let scale = 1 / Float(d).squareRoot()
        let scoreBuffers = ws.scores.map { SharedPointer($0.pointer) }
        let workerCount = max(1, min(workers, items))
        let work = { @Sendable (worker: Int) in
            let scores = scoreBuffers[worker].base
            var item = worker
            while item < items {
                let (text, head) = item.quotientAndRemainder(dividingBy: h)
                let n = lengths[text]
                let q = qkv.base + offsets[text] * 3 * c + head * d
                // This (text, head) block is touched by this item only, so its bias is added exactly once.
                for part in 0..<3 {
                    addBiasRows(q + part * c, rows: n, cols: d, stride: 3 * c, bias: qkvBias.base + part * c + head * d)
                }
                // scores (n, n) = q (n, D) · kᵀ (D, n) · 1/√D
                sgemm(
                    transposeA: false, transposeB: true, m: n, n: n, k: d, alpha: scale,
                    a: q, lda: 3 * c, b: q + c, ldb: 3 * c, c: scores, ldc: n)
                softmaxRowsInPlace(scores, rows: n, cols: n)
                // context (n, D) = scores (n, n) · v (n, D), written into this head's columns.
                sgemm(
                    transposeA: false, transposeB: false, m: n, n: d, k: n,
                    a: scores, lda: n, b: q + 2 * c, ldb: 3 * c,
                    c: context.base + offsets[text] * c + head * d, ldc: c)
                item += workerCount
            }
        }
        if workerCount == 1 {
            work(0)
            return
        }
        let threads = BLAS.threadCount
        BLAS.setThreadCount(1)
        DispatchQueue.concurrentPerform(iterations: workerCount, execute: work)
        BLAS.setThreadCount(threads)
    }

    /// x (T, F) ← GELU(x + bias), rows split across `workers` when large.
    func gelu(_ x: UnsafeMutablePointer<Float>, rows: Int, bias: UnsafePointer<Float>, workers: Int) {
        let f = config.intermediateSize
        let (shared, sharedBias) = (SharedPointer(x), SharedPointer(bias))
        forRowRanges(rows: rows, cols: f, workers: workers) { start, end in
            geluBiasInPlace(shared.base + start * f, rows: end - start, cols: f, bias: sharedBias.base)
        }
    }

    /// x (T, C) ← LayerNorm((x + bias) + residual), rows split across `workers` when large.
    func residualLayerNorm(
        _ x: UnsafeMutablePointer<Float>, residual: UnsafePointer<Float>, rows: Int, bias: UnsafePointer<Float>,
        gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>, workers: Int
    ) {
        let c = config.hiddenSize
        let eps = config.layerNormEps
        let (shared, sharedResidual) = (SharedPointer(x), SharedPointer(residual))
        let (b, g, be) = (SharedPointer(bias), SharedPointer(gamma), SharedPointer(beta))
        forRowRanges(rows: rows, cols: c, workers: workers) { start, end in
            addBiasResidualLayerNormInPlace(
                shared.base + start * c, rows: end - start, cols: c, bias: b.base,
                residual: sharedResidual.base + start * c, gamma: g.base, beta: be.base, eps: eps)
        }
    }

    /// x (T, C) ← LayerNorm(x), rows split across `workers` when large (the embedding LayerNorm).
    func layerNorm(
        _ x: UnsafeMutablePointer<Float>, rows: Int, gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>,
        workers: Int
    ) {
        let c = config.hiddenSize
        let eps = config.layerNormEps
        let (shared, g, b) = (SharedPointer(x), SharedPointer(gamma), SharedPointer(beta))
        forRowRanges(rows: rows, cols: c, workers: workers) { start, end in
            layerNormInPlace(shared.base + start * c, rows: end - start, cols: c, gamma: g.base, beta: b.base, eps: eps)
        }
    }

    /// Calls `body(start, end)` on disjoint row ranges covering 0..<rows: on this thread when small or
    /// `workers` is 1, else one range per worker.
    private func forRowRanges(rows: Int, cols: Int, workers: Int, _ body: @Sendable (Int, Int) -> Void) {
        guard workers > 1, rows > 1, rows * cols >= Self.parallelThreshold else {
            body(0, rows)
            return
        }
        let per = (rows + workers - 1) / workers
        DispatchQueue.concurrentPerform(iterations: workers) { i in
            let start = i * per
            let end = min(rows, start + per)
            if start < end { body(start, end) }
        }
    }
}
