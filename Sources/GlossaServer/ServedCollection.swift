// One collection as the server holds it: the open DocumentCollection and its Searcher. Searches run
// concurrently on a shared queue; writes go one at a time through the collection's own serial queue, so
// they never interleave and never hold searches of committed data back (the collection changes an index
// in memory only under its shard lock, for the moment the change takes). A write is acknowledged after its
// SQLite transaction committed and the in-memory index has it (read-your-writes); shard files are written
// behind, at most every few seconds and at shutdown (SQLite is the truth: a stale file is rebuilt on open).
import Dispatch
import Foundation
import GlossaCollection
import GlossaSearch
import GlossaStore

/// Thread safety: every method may be called from any task.
final class ServedCollection: @unchecked Sendable {
    let name: String
    let collection: DocumentCollection
    let searcher: Searcher
    private let writes: DispatchQueue
    // Only touched on `writes`.
    private var dirtyShards = Set<Int>()
    private var lastPersist = ContinuousClock.now
    static let searchQueue = DispatchQueue(label: "glossa.search", attributes: .concurrent)

    init(name: String, collection: DocumentCollection, encoder: any CollectionEncoder) {
        self.name = name
        self.collection = collection
        searcher = Searcher(collection: collection, encoder: encoder)
        writes = DispatchQueue(label: "glossa.writes.\(name)")
    }

    var isWritable: Bool { collection.isWritable }

    /// Runs a read (search, document lookup, info) off the cooperative thread pool.
    func read<T: Sendable>(_ body: @escaping @Sendable (ServedCollection) throws -> T) async throws -> T {
        try await Self.run(on: Self.searchQueue) { try body(self) }
    }

    /// Runs a write on the collection's serial queue. The shard files it leaves behind are written later, by
    /// `flushIfDue` (queued behind the writes, so no write's answer waits for a file) or at `flush`.
    func write<T: Sendable>(_ body: @escaping @Sendable (DocumentCollection) throws -> (T, Set<Int>)) async throws -> T {
        guard isWritable else { throw ServerError.readOnlyCollection(name) }
        return try await Self.run(on: writes) {
            let (value, touched) = try body(self.collection)
            self.dirtyShards.formUnion(touched)
            return value
        }
    }

    /// Shard files are rewritten at most this often during a stream of writes.
    static let persistInterval: Duration = .seconds(5)

    /// Writes the shard files that writes left behind (on the write queue; waits for queued writes).
    func flush() async throws {
        guard isWritable else { return }
        try await Self.run(on: writes) { try self.persistDirty() }
    }

    /// Queues a flush if shard files are behind and were last written over `persistInterval` ago.
    func flushIfDue() {
        writes.async {
            guard !self.dirtyShards.isEmpty, ContinuousClock.now - self.lastPersist > Self.persistInterval else {
                return
            }
            // `try?`: a failed background flush leaves the files stale, which the next open repairs from SQLite.
            try? self.persistDirty()
        }
    }

    private func persistDirty() throws {
        lastPersist = .now
        guard !dirtyShards.isEmpty else { return }
        let shards = dirtyShards
        try collection.persistShards(shards)
        dirtyShards.subtract(shards)
    }

    private static func run<T: Sendable>(on queue: DispatchQueue, _ body: @escaping @Sendable () throws -> T)
        async throws -> T
    {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try body() }) }
        }
    }
}
