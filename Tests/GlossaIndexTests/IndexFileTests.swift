// Index files: write/read round trips on every index kind, and corrupt, truncated or missing files that must
// throw IndexError naming the file (faiss test_io_corrupted), never crash, and never harm the index in memory.
import Foundation
import GlossaIndex
import Testing

@Suite struct IndexFileTests {
    let d = 16

    @Test("write then read gives the same count, dimension and search results", arguments: everyKind)
    func roundTrip(spec: IndexSpec) throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let vectors = Synthetic.clustered(count: 120, dimension: d, centres: 6, seed: 20)
        let index = try makeIndex(spec, vectors, ids: (0..<Int64(120)).map { 10 * $0 }, dimension: d)
        let path = folder.appendingPathComponent("index.faiss").path
        try index.write(to: path)
        let loaded = try VectorIndex.read(from: path)
        #expect(loaded.count == 120)
        #expect(loaded.dimension == d)
        let queries = Array(vectors[0..<(5 * d)])
        let before = try index.search(queries, k: 4)
        let after = try loaded.search(queries, k: 4)
        #expect(before.map { $0.map(\.id) } == after.map { $0.map(\.id) })
        #expect(before.map { $0.map(\.score) } == after.map { $0.map(\.score) })
        // No temporary file is left beside the index.
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["index.faiss"])
    }

    /// Damaged copies of a valid index file: empty, garbage, a broken header, and truncations at several points.
    static func damagedCopies(of bytes: [UInt8]) -> [(name: String, bytes: [UInt8])] {
        var copies: [(String, [UInt8])] = [("empty", []), ("text", Array("not a faiss index\n".utf8))]
        var header = bytes
        for i in 0..<min(4, header.count) { header[i] ^= 0xFF }
        copies.append(("flipped fourcc", header))
        for cut in [3, 4, 20, 40, bytes.count / 2, bytes.count - 9, bytes.count - 1] where cut > 0 && cut < bytes.count {
            copies.append(("truncated at \(cut)", Array(bytes[0..<cut])))
        }
        return copies
    }

    @Test("a corrupt or truncated index file throws IndexError naming the file", arguments: everyKind)
    func corruptFiles(spec: IndexSpec) throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let vectors = Synthetic.clustered(count: 60, dimension: d, centres: 4, seed: 21)
        let index = try makeIndex(spec, vectors, ids: (0..<Int64(60)).map { $0 }, dimension: d)
        let good = folder.appendingPathComponent("good.faiss").path
        try index.write(to: good)
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: good)))
        for (name, damaged) in Self.damagedCopies(of: bytes) {
            let path = folder.appendingPathComponent("bad-\(name.replacingOccurrences(of: " ", with: "-")).faiss").path
            try Data(damaged).write(to: URL(fileURLWithPath: path))
            do {
                _ = try VectorIndex.read(from: path)
                Issue.record("\(spec) \(name): reading a damaged file did not throw")
            } catch {
                guard case .corruptFile(let reported, _) = error else {
                    Issue.record("\(spec) \(name): expected corruptFile, got \(error)")
                    continue
                }
                #expect(reported == path)
                #expect(error.description.contains(path))
            }
        }
        // The good file and the index in memory are untouched.
        #expect(try VectorIndex.read(from: good).count == 60)
        #expect(index.count == 60)
    }

    /// The structural check before faiss::read_index knows the compressed IVF layouts too: a shard file of
    /// ivf-sq8 or ivf-pq that Glossa wrote reads back with the same results (before the check knew them, every
    /// such shard was refused on open and rebuilt from SQLite), and damaged copies are refused naming the file.
    @Test("ivf-sq8 and ivf-pq files read back equal, and damaged copies are refused",
          arguments: [IndexSpec.ivfSQ8(nlist: 4), .ivfPQ(nlist: 4)])
    func compressedFiles(spec: IndexSpec) throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        // PQ's 8-bit codebooks need at least 256 training vectors.
        let vectors = Synthetic.clustered(count: 600, dimension: d, centres: 6, seed: 22)
        let index = try makeIndex(spec, vectors, ids: (0..<Int64(600)).map { 3 * $0 }, dimension: d)
        let good = folder.appendingPathComponent("good.faiss").path
        try index.write(to: good)
        let loaded = try VectorIndex.read(from: good)
        let queries = Array(vectors[0..<(5 * d)])
        #expect(try loaded.search(queries, k: 4).map { $0.map(\.id) } == index.search(queries, k: 4).map { $0.map(\.id) })
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: good)))
        for (name, damaged) in Self.damagedCopies(of: bytes) {
            let path = folder.appendingPathComponent("bad-\(name.replacingOccurrences(of: " ", with: "-")).faiss").path
            try Data(damaged).write(to: URL(fileURLWithPath: path))
            #expect(throws: IndexError.self, "\(spec) \(name)") { _ = try VectorIndex.read(from: path) }
        }
    }

    @Test("a missing file throws IndexError naming the file")
    func missingFile() {
        let path = "/nonexistent-glossa-folder/index.faiss"
        #expect {
            _ = try VectorIndex.read(from: path)
        } throws: { error in
            "\(error)".contains(path)
        }
    }

    @Test("writing into a missing folder throws writeFailed naming the path and keeps the old file")
    func failedWriteKeepsOldFile() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let index = try makeIndex(.flat, Synthetic.clustered(count: 5, dimension: d, centres: 1, seed: 22),
                                  ids: [1, 2, 3, 4, 5], dimension: d)
        let bad = folder.appendingPathComponent("missing/index.faiss").path
        #expect {
            try index.write(to: bad)
        } throws: { error in
            "\(error)".contains(bad)
        }
        // Overwriting an existing file replaces it whole.
        let path = folder.appendingPathComponent("index.faiss").path
        try index.write(to: path)
        try index.add(Synthetic.clustered(count: 1, dimension: d, centres: 1, seed: 23), ids: [6])
        try index.write(to: path)
        #expect(try VectorIndex.read(from: path).count == 6)
    }
}
