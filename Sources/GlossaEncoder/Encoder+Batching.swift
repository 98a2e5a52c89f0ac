// Batching that wastes no work: texts are tokenised concurrently, sorted by length, and packed into
// forward passes by a token budget. Packing concatenates the texts' tokens (attention is per text), so
// no padding is ever computed; results are put back in input order. Long texts are truncated or
// split into windows whose embeddings are averaged.
import Dispatch
import Foundation
import GlossaCore
import GlossaKernels
import GlossaTokenizer

/// One model input: the ids of a whole text, or of one window of a long text.
struct TokenSequence {
    /// The index of the text (within the current slice) this sequence belongs to.
    let owner: Int
    let ids: [Int32]
}

extension Encoder {
    /// Texts tokenised and held at once: bounds token-id memory for very large inputs, and is the unit of
    /// the tokenise/encode pipeline (slice k + 1 is tokenised while slice k is encoded). Large enough that
    /// sorting within a slice packs batches as tightly as sorting everything would.
    static var textsPerSlice: Int { 4_096 }

    /// Model inputs for `texts` (indices in errors are offset by `indexBase`).
    ///
    /// The texts of one slice are tokenised on all cores at once, so that the slice's batches can be sorted
    /// by length; `embed` overlaps this with the encoding of the slice before.
    func tokenize(_ texts: [String], kind: TextKind, longTexts: LongTextPolicy, indexBase: Int) throws
        -> [TokenSequence]
    {
        let windowContent = maxSequenceLength - 2
        let tokenizer = self.tokenizer
        let perText: [Result<[[Int32]], any Error>] = concurrentMap(texts.count) { index in
            Result {
                switch longTexts {
                case .truncate:
                    return [try tokenizer.encode(texts[index], kind: kind, maxLength: self.maxSequenceLength)]
                case .meanOfWindows:
                    let content = try tokenizer.contentTokens(kind.apply(to: texts[index])).map(\.id)
                    // Short texts (the common case) are one ordinary sequence; an empty content still gets <s></s>.
                    var windows: [[Int32]] = []
                    var start = 0
                    repeat {
                        let end = min(content.count, start + windowContent)
                        windows.append([Tokenizer.bosID] + content[start..<end] + [Tokenizer.eosID])
                        start = end
                    } while start < content.count
                    return windows
                }
            }
        }
        var sequences: [TokenSequence] = []
        sequences.reserveCapacity(texts.count)
        for (index, result) in perText.enumerated() {
            let windows: [[Int32]]
            do {
                windows = try result.get()
            } catch {
                throw EncoderError.tokenization(index: indexBase + index, underlying: error)
            }
            for ids in windows {
                try validate(ids, index: indexBase + index)
                sequences.append(TokenSequence(owner: index, ids: ids))
            }
        }
        return sequences
    }

    /// Embeddings of `owners` texts from their sequences: sorted by length, packed by `tokenBudget`,
    /// encoded, restored to input order, and windows of one text averaged and renormalised.
    func encode(_ sequences: [TokenSequence], owners: Int, progress: (Int) -> Void) -> [[Float]] {
        let order = sequences.indices.sorted { sequences[$0].ids.count < sequences[$1].ids.count }
        var vectors = [[Float]](repeating: [], count: sequences.count)
        var done = 0
        var position = 0
        while position < order.count {
            // Fill one forward pass up to the token budget (always at least one sequence).
            var batch = PackedBatch()
            var members: [Int] = []
            while position < order.count {
                let ids = sequences[order[position]].ids
                if !members.isEmpty && batch.ids.count + ids.count > tokenBudget { break }
                batch.append(ids)
                members.append(order[position])
                position += 1
            }
            for (member, vector) in zip(members, transformer.embed(batch)) { vectors[member] = vector }
            done += members.count
            progress(min(done, owners))
        }
        // One sequence per text is the common case: hand its vector through unchanged.
        if sequences.count == owners { return vectors }
        var sums = [[Float]](repeating: [Float](repeating: 0, count: dimension), count: owners)
        var counts = [Int](repeating: 0, count: owners)
        for (sequence, vector) in zip(sequences, vectors) {
            counts[sequence.owner] += 1
            for j in 0..<dimension { sums[sequence.owner][j] += vector[j] }
        }
        return zip(sums, counts).map { sum, count in
            l2Normalized(sum.map { $0 / Float(count) })
        }
    }
}

/// `transform(i)` for i in 0..<count on all cores, results in index order.
func concurrentMap<T>(_ count: Int, _ transform: (Int) -> T) -> [T] {
    let workers = max(1, min(ProcessInfo.processInfo.activeProcessorCount, count))
    if workers == 1 { return (0..<count).map(transform) }
    var slots = [T?](repeating: nil, count: count)
    slots.withUnsafeMutableBufferPointer { buffer in
        let shared = UnsafeSlots(base: buffer.baseAddress)
        withoutActuallyEscaping(transform) { transform in
            let box = UnsafeTransform(transform: transform)
            DispatchQueue.concurrentPerform(iterations: workers) { worker in
                // Strided so that a run of long texts is shared between workers; each slot has one writer.
                for index in stride(from: worker, to: count, by: workers) {
                    shared.base?[index] = box.transform(index)
                }
            }
        }
    }
    // Every slot was written above, so nothing is dropped.
    return slots.compactMap { $0 }
}

private struct UnsafeSlots<T>: @unchecked Sendable {
    let base: UnsafeMutablePointer<T?>?
}

private struct UnsafeTransform<T>: @unchecked Sendable {
    let transform: (Int) -> T
}

/// A value computed on a background thread, waited for with `value()` (called once).
final class Pending<T>: @unchecked Sendable {
    private var result: Result<T, any Error>?
    private let done = DispatchSemaphore(value: 0)

    init(_ work: @escaping @Sendable () throws -> T) {
        DispatchQueue.global(qos: .userInitiated).async {
            self.result = Result { try work() }
            self.done.signal()
        }
    }

    /// Waits for the work to finish and returns its value or rethrows its error.
    func value() throws -> T {
        done.wait()
        // `done` is signalled only after `result` is written, so it is set here.
        guard let result else { preconditionFailure("Pending finished without a result") }
        return try result.get()
    }
}
