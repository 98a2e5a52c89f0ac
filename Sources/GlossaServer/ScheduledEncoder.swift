// The encoder as the collection sees it during a server write: chunking and tokenising as always, but
// the forward passes go through the server's scheduler (bulk lane), so document writes share passes with
// other work and yield to searches. Also the one place texts become model ids for the routes.
import Foundation
import GlossaCollection
import GlossaCore
import GlossaEncoder
import GlossaTokenizer

/// Thread safety: `Sendable`; `embed` blocks its (non-cooperative) thread until the scheduler is done.
struct ScheduledEncoder: CollectionEncoder {
    let encoder: Encoder
    let scheduler: EmbeddingScheduler
    /// How long a write's texts may wait in the queue.
    let timeout: Duration

    var modelName: String { encoder.modelName }
    var dimension: Int { encoder.dimension }
    var maxTokens: Int { encoder.maxSequenceLength }

    func tokenRanges(_ text: String) throws -> [Range<Int>] { try encoder.tokenRanges(text) }

    var lexicalAnalyzer: any TermAnalyzer { encoder.lexicalAnalyzer }

    func embed(_ texts: [String], kind: TextKind) throws -> [[Float]] {
        let sequences = try texts.map { try modelInput($0, kind: kind).ids }
        return try scheduler.embedBlocking(sequences, lane: .bulk, deadline: .now + timeout)
    }

    /// Model ids for `text` with `kind`'s prefix (the instruct template on instruct models), truncated to
    /// the model's window as the reference does, and whether it had to be truncated.
    func modelInput(_ text: String, kind: TextKind) throws -> (ids: [Int32], truncated: Bool) {
        let content = try encoder.tokenizer.contentTokens(encoder.effectiveKind(kind).apply(to: text))
        let room = encoder.maxSequenceLength - 2
        var ids: [Int32] = [Tokenizer.bosID]
        ids.reserveCapacity(min(content.count, room) + 2)
        for token in content.prefix(room) { ids.append(token.id) }
        ids.append(Tokenizer.eosID)
        return (ids, content.count > room)
    }
}
