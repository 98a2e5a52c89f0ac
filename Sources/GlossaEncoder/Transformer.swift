// The mE5 forward pass (HF BertModel / XLMRobertaModel, no pooler) over a packed batch: the tokens of
// all texts are concatenated into one (T, C) activation, so every Linear layer is one sgemm over all
// T tokens with no padding, while attention runs per text and per head (no cross-text attention).
// Then mean pooling over each text's tokens and L2 normalisation.
import Dispatch
import Foundation
import GlossaKernels
import GlossaModel

/// Several token id sequences laid end to end. Texts: B; total tokens: T = Σ lengths.
struct PackedBatch {
    /// (T) model ids, text after text.
    var ids: [Int32] = []
    /// (B) tokens per text, each ≥ 1.
    var lengths: [Int] = []

    mutating func append(_ sequence: [Int32]) {
        ids.append(contentsOf: sequence)
        lengths.append(sequence.count)
    }
}

/// Reused activation buffers for up to `capacity` tokens and texts of up to `maxLength` tokens.
final class Workspace: @unchecked Sendable {
    let capacity: Int
    let maxLength: Int
    /// (T, C) the residual stream.
    let hidden: FloatBuffer
    /// (T, C) sub-layer outputs before the residual add.
    let projected: FloatBuffer
    /// (T, C) attention context, heads side by side.
    let context: FloatBuffer
    /// (T, 3C) fused query | key | value.
    let qkv: FloatBuffer
    /// (T, F) feed-forward hidden.
    let ffnHidden: FloatBuffer
    /// One attention scratch per worker: (maxLength, maxLength) scores, or the fused kernel's own.
    let attentionScratch: [FloatBuffer]
    /// int8 path: the quantised input of a product (up to (T, F)), which the members quantise a share each of;
    /// nil for fp32.
    let quantizedInput: QuantizedRows?

    init(capacity: Int, maxLength: Int, config: ModelConfig, workers: Int, precision: Precision) {
        self.capacity = capacity
        self.maxLength = maxLength
        let c = config.hiddenSize
        hidden = FloatBuffer(count: capacity * c)
        projected = FloatBuffer(count: capacity * c)
        context = FloatBuffer(count: capacity * c)
        qkv = FloatBuffer(count: capacity * 3 * c)
        ffnHidden = FloatBuffer(count: capacity * config.intermediateSize)
        let scratch = attentionScratchCount(maxLength: maxLength, headSize: config.headSize)
        attentionScratch = (0..<workers).map { _ in FloatBuffer(count: scratch) }
        let widest = max(c, config.intermediateSize)
        quantizedInput = precision == .int8 ? QuantizedRows(capacity: capacity, maxColumns: widest) : nil
    }
}

/// Runs the encoder stack. Thread-safe: forward passes are serialised by a lock (they already use
/// every core, and OpenBLAS's thread count is process-global).
///
/// Parallelism: OpenBLAS runs single-threaded during a forward pass and Glossa spreads the work itself.
/// A batch with enough tokens is split into one group of texts per core, and the groups run side by side
/// (data parallel: no synchronisation inside a layer and no BLAS threads spinning while attention or GELU
/// run). A small batch (one short query, or one long text that cannot be split) runs as one group whose
/// products are split by output features across the cores, with attention heads and row-wise work spread
/// the same way; that is what latency needs (see `project`).
final class Transformer: @unchecked Sendable {
    let config: ModelConfig
    let weights: EncoderWeights
    /// fp32, or int8 Linear layers (then `weights.layers[i].quantized` is set).
    let precision: Precision
    /// The int8 kernel (VNNI when the CPU has it; the portable one when forced).
    let int8Kernel: Int8Kernel
    /// The attention kernel asked for, or OpenBLAS where the fused one cannot run (`AttentionKernel.supports`).
    let attentionKernel: AttentionKernel
    /// The fp32 path's Linear kernel actually in use: oneDNN when asked for and it packed every weight.
    let linearKernel: LinearKernel
    /// The fp32 Linear weights packed by oneDNN, one per layer, cut into the team's feature shares; empty
    /// on the int8 path and with OpenBLAS.
    let packedLayers: [PackedLayer]
    /// The same weights packed whole, for the groups of a split batch (each run by one member alone); the
    /// same as `packedLayers` for a team of one.
    let soloPackedLayers: [PackedLayer]
    /// The fp32 path's Linear weights as 4-bit blocks where they are exactly 4-bit, for products of at most
    /// `fourBitMaxRows` rows; empty on the int8 path, without AVX-512 and with `GLOSSA_FOUR_BIT=off`.
    let fourBitLayers: [FourBitLayer]
    /// The kernel over `fourBitLayers` (AVX-512), nil where they are empty.
    let fourBitKernel: FourBitKernel?
    /// Cores used: groups of a split batch, or the members sharing the phases of one group.
    let workers: Int
    private let lock = NSLock()
    private var workspaces: [Workspace] = []
    /// `workers` threads (this one and helpers) that run every forward pass.
    private let team: WorkerTeam

    /// Batches with fewer tokens than this run as one group (splitting would starve the sgemms).
    static var splitThreshold: Int { 192 }

    /// Products of at most this many rows run over the 4-bit weights where there are some (`project`).
    static var fourBitMaxRows: Int { 32 }

    /// `threads`: the members of the team (at least 1, at most 16). `fourBitKernel`: the kernel for few-row
    /// products over weights that are exactly 4-bit, or nil for the fp32 products everywhere.
    init(
        config: ModelConfig, weights: EncoderWeights, threads: Int, precision: Precision, int8Kernel: Int8Kernel,
        linearKernel: LinearKernel, attentionKernel: AttentionKernel = .best,
        fourBitKernel: FourBitKernel? = .forEncoder
    ) {
        self.config = config
        self.weights = weights
        self.precision = precision
        self.int8Kernel = int8Kernel
        self.attentionKernel = attentionKernel.supports(headSize: config.headSize) ? attentionKernel : .blas
        workers = max(1, min(threads, 16))
        if precision == .fp32 && linearKernel == .onednn,
            let shared = PackedLayer.packAll(weights, config: config, parts: workers, lanes: workers),
            let whole = workers == 1 ? shared : PackedLayer.packAll(weights, config: config, parts: 1, lanes: workers)
        {
            packedLayers = shared
            soloPackedLayers = whole
            self.linearKernel = .onednn
        } else {
            packedLayers = []
            soloPackedLayers = []
            self.linearKernel = .openblas
        }
        if precision == .fp32, let kernel = fourBitKernel {
            fourBitLayers = FourBitLayer.packAll(weights, config: config)
            self.fourBitKernel = fourBitLayers.isEmpty ? nil : kernel
        } else {
            fourBitLayers = []
            self.fourBitKernel = nil
        }
        team = WorkerTeam(size: workers)
        // Before the first sgemm: make sure OpenBLAS did not fall back to generic kernels on this CPU.
        BLAS.selectKernelsForThisCPU()
    }

    /// The longest sequence the position table allows (512 for BERT and for XLM-R's 514 positions).
    var maxSequenceLength: Int { config.maxPositionEmbeddings - config.positionOffset }

    /// Mean-pooled, L2-normalised embeddings of each text in `batch`, in batch order: (B, C).
    /// Ids and lengths must already be validated (see `Encoder.validate`).
    func embed(_ batch: PackedBatch) -> [[Float]] {
        lock.lock()
        defer { lock.unlock() }
        let threads = BLAS.threadCount
        BLAS.setThreadCount(1)
        defer { BLAS.setThreadCount(threads) }
        let groups = split(batch)
        let results = ResultSlots(count: groups.count)
        if groups.count == 1 {
            // One group: the whole team works on it, phase by phase.
            let space = workspace(0, for: batch)
            team.run { member in
                let vectors = self.run(batch, workspace: space, member: member)
                if member.index == 0 { results.store(0, vectors) }
            }
        } else {
            // Data parallel: each member runs its own group alone, with no synchronisation inside a layer.
            let spaces = groups.indices.map { workspace($0, for: groups[$0]) }
            team.run { member in
                guard member.index < groups.count else { return }
                results.store(
                    member.index, self.run(groups[member.index], workspace: spaces[member.index], member: member.alone))
            }
        }
        return results.joined()
    }

    /// Frees the activation buffers (they are re-made on the next call).
    func releaseWorkspace() {
        lock.lock()
        workspaces = []
        lock.unlock()
    }

    /// Splits `batch` into up to `workers` groups of consecutive texts with about equal token counts.
    private func split(_ batch: PackedBatch) -> [PackedBatch] {
        guard workers > 1, batch.lengths.count > 1, batch.ids.count >= Self.splitThreshold else { return [batch] }
        let target = (batch.ids.count + workers - 1) / workers
        var groups: [PackedBatch] = []
        var current = PackedBatch()
        var offset = 0
        for length in batch.lengths {
            if current.ids.count >= target && groups.count < workers - 1 {
                groups.append(current)
                current = PackedBatch()
            }
            current.append(Array(batch.ids[offset..<(offset + length)]))
            offset += length
        }
        groups.append(current)
        return groups
    }

    /// Workspace `index`, grown (never shrunk) to fit `batch`, so that similar batches reuse the buffers.
    private func workspace(_ index: Int, for batch: PackedBatch) -> Workspace {
        let total = batch.ids.count
        let longest = batch.lengths.max() ?? 0
        if index < workspaces.count, workspaces[index].capacity >= total, workspaces[index].maxLength >= longest {
            return workspaces[index]
        }
        let previous = index < workspaces.count ? workspaces[index] : nil
        let grown = Workspace(
            capacity: max(total, previous?.capacity ?? 0), maxLength: max(longest, previous?.maxLength ?? 0),
            config: config, workers: workers, precision: precision)
        if index < workspaces.count { workspaces[index] = grown } else { workspaces.append(grown) }
        return grown
    }

    // MARK: - Forward pass

    /// The forward pass of one group, run by every member of `member`'s team at once: each phase is split
    /// among the members (rows, output features or attention heads) and ends at a barrier. A `.solo`
    /// member does everything. Returns the embeddings on every member (the buffers are shared).
    private func run(_ batch: PackedBatch, workspace ws: Workspace, member: TeamMember) -> [[Float]] {
        let c = config.hiddenSize
        let f = config.intermediateSize
        let t = batch.ids.count
        var offsets: [Int] = []
        var start = 0
        for length in batch.lengths {
            offsets.append(start)
            start += length
        }
        var hidden = ws.hidden.pointer
        var projected = ws.projected.pointer
        // Embeddings: word[id] + token_type[0] + position[offset + i], in HF's order of additions; then LayerNorm.
        let rows = member.share(of: t)
        embed(batch, offsets: offsets, rows: rows, into: hidden)
        layerNormInPlace(
            hidden + rows.lowerBound * c, rows: rows.count, cols: c, gamma: weights.embeddingNormWeight.pointer,
            beta: weights.embeddingNormBias.pointer, eps: config.layerNormEps)
        member.barrier()
        for (index, layer) in weights.layers.enumerated() {
            let packings = member.count == 1 ? soloPackedLayers : packedLayers
            let packed = packings.isEmpty ? nil : packings[index]
            let fourBit = fourBitLayers.isEmpty ? nil : fourBitLayers[index]
            // qkv: (T, 3C) = hidden (T, C) · Wqkvᵀ (C, 3C) + bqkv
            project(
                hidden, rows: t, inFeatures: c, weight: layer.qkvWeight.pointer, quantized: layer.quantized?.qkv,
                packed: packed?.qkv, fourBit: fourBit?.qkv, bias: layer.qkvBias.pointer, outFeatures: 3 * c,
                into: ws.qkv.pointer,
                workspace: ws, member: member)
            member.barrier()
            // context: (T, C) = per text, per head softmax(q kᵀ / √D) v
            attention(offsets: offsets, lengths: batch.lengths, workspace: ws, member: member)
            member.barrier()
            // hidden: (T, C) ← LayerNorm((context · Woᵀ + bo) + hidden)
            outputSublayer(
                ws.context.pointer, inFeatures: c, weight: layer.attentionOutputWeight,
                quantized: layer.quantized?.attentionOutput, packed: packed?.attentionOutput,
                fourBit: fourBit?.attentionOutput,
                bias: layer.attentionOutputBias, gamma: layer.attentionNormWeight, beta: layer.attentionNormBias,
                rows: t, hidden: &hidden,
                scratch: &projected, workspace: ws, member: member)
            // ffnHidden: (T, F) = GELU(hidden · W1ᵀ + b1), each member applying GELU to the columns it computed.
            let ffnHidden = ws.ffnHidden.pointer
            project(
                hidden, rows: t, inFeatures: c, weight: layer.intermediateWeight.pointer,
                quantized: layer.quantized?.intermediate, packed: packed?.intermediate,
                fourBit: fourBit?.intermediate, outFeatures: f,
                into: ffnHidden, workspace: ws, member: member)
            let columns = featureShare(of: f, member: member)
            geluBiasInPlace(
                ffnHidden + columns.lowerBound, rows: t, cols: columns.count, stride: f,
                bias: layer.intermediateBias.pointer + columns.lowerBound)
            member.barrier()
            // hidden: (T, C) ← LayerNorm((ffnHidden · W2ᵀ + b2) + hidden)
            outputSublayer(
                ffnHidden, inFeatures: f, weight: layer.outputWeight, quantized: layer.quantized?.output,
                packed: packed?.output, fourBit: fourBit?.output, bias: layer.outputBias, gamma: layer.outputNormWeight,
                beta: layer.outputNormBias, rows: t, hidden: &hidden, scratch: &projected, workspace: ws,
                member: member)
        }
        // Pooling: mean over each text's tokens (all real: nothing is padded), then L2 normalisation.
        guard member.index == 0 else { return [] }
        var result: [[Float]] = []
        result.reserveCapacity(batch.lengths.count)
        for (offset, length) in zip(offsets, batch.lengths) {
            var vector = [Float](repeating: 0, count: c)
            vector.withUnsafeMutableBufferPointer { out in
                guard let base = out.baseAddress else { return }
                meanPool(hidden + offset * c, rows: length, cols: c, into: base)
                l2NormalizeInPlace(base, count: c)
            }
            result.append(vector)
        }
        return result
    }

    /// The output sub-layers (HF BertSelfOutput / BertOutput: dense → dropout (identity) → LayerNorm(· + input)):
    /// scratch (T, C) = LayerNorm((input (T, K) · weightᵀ + bias) + hidden), then the two buffers trade places so
    /// that `hidden` holds the result. The product is split by output features, the LayerNorm by rows.
    private func outputSublayer(
        _ input: UnsafePointer<Float>, inFeatures: Int, weight: FloatTensor, quantized: QuantizedMatrix?,
        packed: PackedLinear?, fourBit: FourBitMatrix?, bias: FloatTensor, gamma: FloatTensor, beta: FloatTensor,
        rows t: Int,
        hidden: inout UnsafeMutablePointer<Float>, scratch: inout UnsafeMutablePointer<Float>, workspace ws: Workspace,
        member: TeamMember
    ) {
        let c = config.hiddenSize
        project(
            input, rows: t, inFeatures: inFeatures, weight: weight.pointer, quantized: quantized, packed: packed,
            fourBit: fourBit, outFeatures: c, into: scratch, workspace: ws, member: member)
        member.barrier()
        let rows = member.share(of: t)
        addBiasResidualLayerNormInPlace(
            scratch + rows.lowerBound * c, rows: rows.count, cols: c, bias: bias.pointer,
            residual: hidden + rows.lowerBound * c, gamma: gamma.pointer, beta: beta.pointer, eps: config.layerNormEps)
        member.barrier()
        swap(&hidden, &scratch)
    }

    /// hidden[t] = word[ids[t]] + tokenType[0] + position[positionOffset + i], i the index within its text,
    /// for the tokens t in `rows`.
    private func embed(
        _ batch: PackedBatch, offsets: [Int], rows: Range<Int>, into hidden: UnsafeMutablePointer<Float>
    ) {
        let c = config.hiddenSize
        let word = weights.wordEmbeddings.pointer
        let type0 = weights.tokenTypeEmbeddings.pointer
        let position = weights.positionEmbeddings.pointer
        // BERT positions run 0..n-1; XLM-R's start at padding_idx + 1 (HF create_position_ids_from_input_ids).
        let first = config.positionOffset
        for (offset, length) in zip(offsets, batch.lengths) {
            for i in 0..<length where rows.contains(offset + i) {
                let row = hidden + (offset + i) * c
                let w = word + Int(batch.ids[offset + i]) * c
                let p = position + (first + i) * c
                for j in 0..<c { row[j] = (w[j] + type0[j]) + p[j] }
            }
        }
    }
}

/// One result per group, each written by exactly one worker, read after all finish.
private final class ResultSlots: @unchecked Sendable {
    private var slots: [[[Float]]]
    private let lock = NSLock()

    init(count: Int) { slots = Array(repeating: [], count: count) }

    func store(_ index: Int, _ vectors: [[Float]]) {
        lock.lock()
        slots[index] = vectors
        lock.unlock()
    }

    func joined() -> [[Float]] { slots.flatMap { $0 } }
}
