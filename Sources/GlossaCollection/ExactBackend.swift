// A plain-Swift exact inner-product index: the test oracle for "flat equals brute force" and a
// backend for tests that must not depend on FAISS. File: magic "GLXI", version 1, dimension, count,
// ids (Int64), vectors (Float32), little-endian; written to a temporary name, then renamed.
import Foundation
import Synchronization

/// Backend whose shards are `ExactIndex` files.
public struct ExactBackend: IndexBackend {
    public init() {}
    public var fileExtension: String { "exact" }

    public func validate(indexType: String) throws {
        guard indexType == "flat" else {
            throw IngestError.invalidOption(
                name: "--index-type", value: indexType, reason: "the exact backend only supports flat")
        }
    }

    public func make(indexType: String, dimension: Int, expectedCount: Int) throws -> any ShardIndex {
        try validate(indexType: indexType)
        return ExactIndex(dimension: dimension)
    }

    public func read(path: String) throws -> any ShardIndex {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw IngestError.filesystem(path: path, operation: "read", reason: "no such file")
        }
        return try ExactIndex(data: data, path: path)
    }
}

/// Exact inner-product search over vectors held in memory.
public final class ExactIndex: ShardIndex {
    private struct State { var ids: [Int64] = []; var vectors: [Float] = [] }
    private let state = Mutex(State())
    public let dimension: Int

    public init(dimension: Int) { self.dimension = dimension }

    init(data: Data, path: String) throws {
        let bytes = [UInt8](data)
        func bad(_ reason: String) -> IngestError { .filesystem(path: path, operation: "read the index", reason: reason) }
        guard bytes.count >= 24, Array(bytes[0..<4]) == Array("GLXI".utf8) else { throw bad("not an exact index file") }
        func int(_ at: Int) -> Int64 { bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: at, as: Int64.self) } }
        let dimension = Int(int(8)), count = Int(int(16))
        guard bytes[4] == 1, dimension > 0, count >= 0, bytes.count == 24 + count * 8 + count * dimension * 4 else {
            throw bad("truncated or wrong version")
        }
        self.dimension = dimension
        let ids = (0..<count).map { int(24 + $0 * 8) }
        let vectors: [Float] = bytes.withUnsafeBytes { raw in
            (0..<count * dimension).map { raw.loadUnaligned(fromByteOffset: 24 + count * 8 + $0 * 4, as: Float.self) }
        }
        state.withLock { $0 = State(ids: ids, vectors: vectors) }
    }

    public var count: Int { state.withLock { $0.ids.count } }
    public var isTrained: Bool { true }
    public func train(_ vectors: [Float]) throws {}

    public func add(_ vectors: [Float], ids: [Int64]) throws {
        precondition(vectors.count == ids.count * dimension, "add: \(vectors.count) floats for \(ids.count) ids")
        state.withLock { $0.ids += ids; $0.vectors += vectors }
    }

    public func remove(ids: [Int64]) throws -> Int {
        let doomed = Set(ids)
        return state.withLock { state in
            var keptIDs: [Int64] = [], keptVectors: [Float] = []
            for (row, id) in state.ids.enumerated() where !doomed.contains(id) {
                keptIDs.append(id)
                keptVectors += state.vectors[row * dimension..<(row + 1) * dimension]
            }
            let removed = state.ids.count - keptIDs.count
            state = State(ids: keptIDs, vectors: keptVectors)
            return removed
        }
    }

    public func search(_ queries: [Float], k: Int, options: SearchOptions) throws -> [[(id: Int64, score: Float)]] {
        let snapshot = state.withLock { $0 }
        let dimension = dimension
        return stride(from: 0, to: queries.count, by: dimension).map { offset in
            var scored: [(id: Int64, score: Float)] = []
            scored.reserveCapacity(snapshot.ids.count)
            for (row, id) in snapshot.ids.enumerated() {
                var dot: Float = 0
                for c in 0..<dimension { dot += queries[offset + c] * snapshot.vectors[row * dimension + c] }
                scored.append((id, dot))
            }
            // Ties broken by id so that results do not depend on insertion order or sharding.
            scored.sort { $0.score != $1.score ? $0.score > $1.score : $0.id < $1.id }
            return Array(scored.prefix(k))
        }
    }

    public func write(to path: String) throws {
        let snapshot = state.withLock { $0 }
        var data = Data("GLXI".utf8)
        data.append(contentsOf: [1, 0, 0, 0])
        withUnsafeBytes(of: Int64(dimension).littleEndian) { data.append(contentsOf: $0) }
        withUnsafeBytes(of: Int64(snapshot.ids.count).littleEndian) { data.append(contentsOf: $0) }
        snapshot.ids.withUnsafeBytes { data.append(contentsOf: $0) }
        snapshot.vectors.withUnsafeBytes { data.append(contentsOf: $0) }
        try AtomicFile.write(data, to: path)
    }

    public func storedIDs() throws -> [Int64]? { state.withLock { $0.ids } }
    public func memoryBytes() throws -> Int64? { state.withLock { Int64($0.ids.count * 8 + $0.vectors.count * 4) } }

    public func absentIDs(among candidates: [Int64]) throws -> [Int64]? {
        let present = Set(state.withLock { $0.ids })
        return candidates.filter { !present.contains($0) }
    }
}

/// Writes files under a temporary name in the same folder, then renames them into place.
enum AtomicFile {
    static func write(_ data: Data, to path: String) throws {
        let temporary = path + ".tmp-\(ProcessInfo.processInfo.processIdentifier)"
        do {
            try data.write(to: URL(fileURLWithPath: temporary))
            if rename(temporary, path) != 0 {
                throw IngestError.filesystem(path: path, operation: "rename into place", reason: String(cString: strerror(errno)))
            }
        } catch let error as IngestError {
            throw error
        } catch {
            throw IngestError.filesystem(path: path, operation: "write", reason: "\(error)")
        }
    }
}
