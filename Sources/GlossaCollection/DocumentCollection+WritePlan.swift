// Planning one batch of writes, shared by `index` (storeBatch) and `import` (storeImported): documents
// stored with the same text, title and metadata are skipped, metadata-only changes keep their chunks,
// and the rest need chunks. Both paths rely on it for "a rerun after a crash stores each row once".
// Also the bulk path's lexical analysis, spread over the cores before the write transaction.
import Foundation
import GlossaCore
import GlossaStore

/// A batch's writes, and which of them need chunks (index into `writes`, index into the batch).
struct WritePlan {
    var writes: [DocumentWrite] = []
    var needChunks: [(write: Int, source: Int)] = []
    var unchanged = 0
}

extension DocumentCollection {
    /// The writes for `documents` (id, title, text, metadata), against what the store already holds.
    func planWrites(_ documents: [(id: String, title: String?, text: String, metadata: [String: MetadataValue])])
        throws -> WritePlan
    {
        let existing = try store.fingerprints(externalIDs: documents.map(\.id))
        var plan = WritePlan()
        plan.writes.reserveCapacity(documents.count)
        for (source, document) in documents.enumerated() {
            let hash = StableHash.contentHash(title: document.title, text: document.text)
            let shard = StableHash.shard(of: document.id, shardCount: manifest.shardCount)
            let write = DocumentWrite(
                externalID: document.id, title: document.title, text: document.text, metadata: document.metadata,
                contentHash: hash, shard: shard, chunks: nil)
            if let old = existing[document.id], old.contentHash == hash {
                if old.metadataJSON == write.metadataJSON {
                    plan.unchanged += 1
                    continue
                }
                // Same text: only the metadata changes; the chunks and vectors stay.
                plan.writes.append(write)
                continue
            }
            plan.needChunks.append((plan.writes.count, source))
            plan.writes.append(write)
        }
        return plan
    }

    /// Fills `terms` of every new chunk in `writes` with `analyzer`, the chunks shared out over the cores.
    /// The writer thread then only inserts: analysed inside the transaction (sentencepiece, words, bigrams)
    /// the terms were ~15 % of a bulk import's CPU time, all of it on the one writer thread (perf, 100k rows).
    static func analyseChunks(_ writes: inout [DocumentWrite], analyzer: any TermAnalyzer) throws {
        var jobs: [(write: Int, chunk: Int)] = []
        for (w, write) in writes.enumerated() {
            for c in (write.chunks ?? []).indices { jobs.append((w, c)) }
        }
        let texts = jobs.map { job -> String in
            let write = writes[job.write]
            let chunk = write.chunks?[job.chunk]
            return Store.chunkText(title: write.title, text: write.text, start: chunk?.start ?? 0, end: chunk?.end ?? 0)
        }
        guard !texts.isEmpty else { return }
        let slots = TermSlots(count: texts.count)
        let workers = min(ProcessInfo.processInfo.activeProcessorCount, texts.count)
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            // Strided: chunk lengths vary, so neighbours go to different workers.
            for i in stride(from: worker, to: texts.count, by: workers) {
                slots.set(i, Result { try analyzer.terms(of: texts[i]) })
            }
        }
        for (i, job) in jobs.enumerated() {
            writes[job.write].chunks?[job.chunk].terms = try slots.get(i)
        }
    }
}

/// Per-chunk result slots, each written by exactly one concurrent worker (disjoint indices).
private final class TermSlots: @unchecked Sendable {
    private var slots: [Result<LexicalTerms, any Error>?]
    private let lock = NSLock()
    init(count: Int) { slots = Array(repeating: nil, count: count) }
    func set(_ index: Int, _ value: Result<LexicalTerms, any Error>) {
        lock.lock()
        slots[index] = value
        lock.unlock()
    }
    func get(_ index: Int) throws -> LexicalTerms? {
        lock.lock()
        defer { lock.unlock() }
        return try slots[index]?.get()
    }
}
