// The parts of the forward pass that are not one big sgemm, spread over the cores with
// DispatchQueue.concurrentPerform: attention per (text, head), and the element-wise GELU and LayerNorm.
// While these run, OpenBLAS is set to one thread so that concurrent small sgemm calls do not contend
// for its thread pool; the big Linear sgemms run with all threads.
import Dispatch
import GlossaKernels

/// A raw pointer that may cross into concurrentPerform workers; every worker writes a disjoint range.
struct SharedPointer: @unchecked Sendable {
    let base: UnsafeMutablePointer<Float>
}

extension Transformer {
    /// Element-wise work below this many values runs on the calling thread (dispatch costs ~10 µs).
    static var parallelThreshold: Int { 1 << 15 }

    /// Scaled dot-product attention for every text and head of the batch.
    ///
    /// qkv: (T, 3C) with the head h of text b at rows offsets[b]..<offsets[b]+lengths[b],
    /// columns h·D..<(h+1)·D (+C for keys, +2C for values); context: (T, C), same column layout.
    /// Per (b, h): scores (n, n) = q kᵀ / √D; softmax by row; context block = scores · v.
    func attention(offsets: [Int], lengths: [Int], workspace ws: Workspace) {
        let c = config.hiddenSize, h = config.numAttentionHeads, d = config.headSize
        let items = lengths.count * h
        let qkv = SharedPointer(base: ws.qkv.pointer)
        let context = SharedPointer(base: ws.context.pointer)
        let scale = 1 / Float(d).squareRoot()
        let scoreBuffers = ws.scores.map { SharedPointer(base: $0.pointer) }
        let workerCount = min(workers, items)
        let work = { @Sendable (worker: Int) in
            let scores = scoreBuffers[worker].base
            var item = worker
            while item < items {
                let (text, head) = item.quotientAndRemainder(dividingBy: h)
                let n = lengths[text]
                let q = qkv.base + offsets[text] * 3 * c + head * d
                // scores (n, n) = q (n, D) · kᵀ (D, n) · 1/√D
                sgemm(transposeA: false, transposeB: true, m: n, n: n, k: d, alpha: scale,
                      a: q, lda: 3 * c, b: q + c, ldb: 3 * c, c: scores, ldc: n)
                softmaxRowsInPlace(scores, rows: n, cols: n)
                // context (n, D) = scores (n, n) · v (n, D), written into this head's columns.
                sgemm(transposeA: false, transposeB: false, m: n, n: d, k: n,
                      a: scores, lda: n, b: q + 2 * c, ldb: 3 * c,
                      c: context.base + offsets[text] * c + head * d, ldc: c)
                item += workerCount
            }
        }
        if workerCount <= 1 {
            work(0)
            return
        }
        let threads = BLAS.threadCount
        BLAS.setThreadCount(1)
        DispatchQueue.concurrentPerform(iterations: workerCount, execute: work)
        BLAS.setThreadCount(threads)
    }

    /// GELU (erf) over `count` values, split across the workers when large.
    func gelu(_ x: UnsafeMutablePointer<Float>, count: Int) {
        guard workers > 1, count >= Self.parallelThreshold else {
            geluInPlace(x, count: count)
            return
        }
        let shared = SharedPointer(base: x)
        let chunks = workers
        // Chunks are multiples of 8 so every vector lane stays in one chunk.
        let chunk = ((count + chunks - 1) / chunks + 7) / 8 * 8
        DispatchQueue.concurrentPerform(iterations: chunks) { i in
            let start = i * chunk
            let end = min(count, start + chunk)
            if start < end { geluInPlace(shared.base + start, count: end - start) }
        }
    }

    /// LayerNorm over each of `rows` rows of C values, in place, split by rows across the workers.
    func layerNorm(_ x: UnsafeMutablePointer<Float>, rows: Int, gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>) {
        let c = config.hiddenSize, eps = config.layerNormEps
        guard workers > 1, rows * c >= Self.parallelThreshold else {
            layerNormInPlace(x, rows: rows, cols: c, gamma: gamma, beta: beta, eps: eps)
            return
        }
        let shared = SharedPointer(base: x)
        let g = SharedPointer(base: UnsafeMutablePointer(mutating: gamma))
        let b = SharedPointer(base: UnsafeMutablePointer(mutating: beta))
        let per = (rows + workers - 1) / workers
        DispatchQueue.concurrentPerform(iterations: workers) { i in
            let start = i * per
            let end = min(rows, start + per)
            if start < end {
                layerNormInPlace(shared.base + start * c, rows: end - start, cols: c, gamma: g.base, beta: b.base, eps: eps)
            }
        }
    }
}
