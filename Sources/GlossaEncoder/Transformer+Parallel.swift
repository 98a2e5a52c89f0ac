// How the phases of one group's forward pass are shared among the members of the worker team: the Linear
// products by output features, attention by (text, head). Row-wise work (LayerNorms) is shared by rows in
// `run` itself. OpenBLAS and oneDNN run single-threaded inside each member.
import GlossaKernels

extension Transformer {
    /// Scaled dot-product attention for every text and head of the batch, the (text, head) items dealt
    /// out to the members in turn.
    ///
    /// qkv: (T, 3C) with bias, the head h of text b at rows offsets[b]..<offsets[b]+lengths[b],
    /// columns h·D..<(h+1)·D (+C for keys, +2C for values); context: (T, C), heads side by side.
    /// Per (b, h): context = softmax(q kᵀ / √D) · v (`attentionHead`).
    func attention(offsets: [Int], lengths: [Int], workspace ws: Workspace, member: TeamMember) {
        let c = config.hiddenSize
        let h = config.numAttentionHeads
        let d = config.headSize
        let items = lengths.count * h
        let qkv = ws.qkv.pointer
        let scratch = ws.attentionScratch[member.index].pointer
        var item = member.index
        while item < items {
            let (text, head) = item.quotientAndRemainder(dividingBy: h)
            let q = qkv + offsets[text] * 3 * c + head * d
            attentionHead(
                q: q, k: q + c, v: q + 2 * c, stride: 3 * c, length: lengths[text], headSize: d,
                into: ws.context.pointer + offsets[text] * c + head * d, outStride: c, scratch: scratch,
                kernel: attentionKernel)
            item += member.count
        }
    }

    /// This member's columns of `project` over `outFeatures` outputs: contiguous, a multiple of 16 wide
    /// (whole SIMD rows and OpenBLAS's column chunks), the ranges in member order.
    func featureShare(of outFeatures: Int, member: TeamMember) -> Range<Int> {
        let ranges = Self.featureRanges(of: outFeatures, parts: member.count)
        return member.index < ranges.count ? ranges[member.index] : outFeatures..<outFeatures
    }

    /// The column ranges `featureShare` deals to `parts` members, in member order; members past the end get
    /// none. oneDNN's packed weights are cut along the same ranges (`PackedLayer`).
    static func featureRanges(of outFeatures: Int, parts requested: Int) -> [Range<Int>] {
        let parts = max(1, min(requested, outFeatures / 16))
        let width = (outFeatures / parts + 15) / 16 * 16
        return (0..<parts).map { index in
            let start = min(outFeatures, index * width)
            return start..<(index == parts - 1 ? outFeatures : min(outFeatures, start + width))
        }
    }

    /// This member's columns of out (T, N) = x (T, K) · weightᵀ (weight (N, K)) + bias (N, or none); with
    /// `quantized` (the int8 path) the same product in int8 over the quantised weights.
    ///
    /// Splitting by output features means each weight row is read by one member only: for a few tokens the
    /// product is bound by reading the weights, and this halves that per core where splitting the rows would
    /// not.
    func project(
        _ x: UnsafePointer<Float>, rows: Int, inFeatures: Int, weight: UnsafePointer<Float>,
        quantized: QuantizedMatrix?, packed: PackedLinear?, fourBit: FourBitMatrix? = nil,
        bias: UnsafePointer<Float>? = nil, outFeatures: Int,
        into out: UnsafeMutablePointer<Float>, workspace ws: Workspace, member: TeamMember
    ) {
        let columns = featureShare(of: outFeatures, member: member)
        if let quantized, let input = ws.quantizedInput {
            // The members quantise a share of the rows each into one buffer, then meet before the product. Each
            // quantising the whole input for itself saved that barrier, but on single queries the quantiser then
            // took 11.7 % of the cycles (perf, Intel Xeon, 2026-12-07), duplicated on every member. The buffer
            // is free to overwrite here: a barrier separates every product from the one before it.
            input.quantize(
                x, rows: rows, columns: inFeatures, stride: inFeatures, share: member.share(of: rows),
                kernel: int8Kernel)
            member.barrier()
            // A member without columns (narrow layers) still had to quantise and meet the others above.
            guard !columns.isEmpty else { return }
            int8LinearColumns(input, weight: quantized, bias: bias, columns: columns, into: out, kernel: int8Kernel)
            return
        }
        guard !columns.isEmpty else { return }
        // A few rows (a query) over exactly 4-bit weights: the same fp32 values read from a sixth of the bytes
        // (4-bit values and a scale per 32), where oneDNN over fp32 weights is bound by reading them.
        if let fourBit, let kernel = fourBitKernel, rows <= Self.fourBitMaxRows {
            fourBitLinearColumns(
                x, rows: rows, weight: fourBit, bias: bias, columns: columns, into: out, kernel: kernel)
            return
        }
        // oneDNN wherever its weights are packed: the members of a team each run their slice of a shared
        // product (a query, one long text: 1.2-1.9x OpenBLAS's rate at 13-128 rows), and a solo member (one
        // group of a split batch) runs the whole-width copy through its own lane. Those batches were 13-24 %
        // slower when solo members ran the team's half-width slices in turn, and faster than OpenBLAS in six
        // of six alternations with the whole-width copy (Benchmarks/results/encode.md, 2026-12-07).
        if let packed, packed.slices.count == member.count, packed.slices[member.index] == columns {
            do {
                try packed.apply(slice: member.index, lane: member.lane, x, rows: rows, bias: bias, into: out)
                return
            } catch {
                // oneDNN accepted these weights at load, so a failure here is not expected; OpenBLAS below
                // recomputes this member's columns from the fp32 weights, which are still mapped.
            }
        }
        linearColumns(
            x, rows: rows, inFeatures: inFeatures, weight: weight, bias: bias, outFeatures: outFeatures,
            columns: columns, into: out)
    }
}
