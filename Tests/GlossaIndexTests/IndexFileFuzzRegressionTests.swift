// Shard files the FuzzIndexFile target (Fuzz/) found harmful, minimised, and the structural check that now
// refuses them before faiss::read_index (Sources/CFaiss/index_check.cpp).
import Foundation
import GlossaIndex
import Testing

@Suite struct IndexFileFuzzRegressionTests {
    let d = 8

    /// An IVF-Flat file whose header says metric 2 (L1) read fine, and the first search threw inside faiss's
    /// OpenMP loop, where no catch can reach: std::terminate, the whole process gone. Glossa's files are
    /// inner product (metric 0) at every level; anything else is refused on read, so the shard is rebuilt.
    @Test("an IVF file with a metric other than inner product is refused on read, not aborted on search",
          arguments: [1, 2, 3])
    func foreignMetric(metric: Int32) throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("glossa-metric-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let vectors = Synthetic.clustered(count: 64, dimension: d, centres: 4, seed: 13)
        let index = try VectorIndex(spec: .ivf(nlist: 2), dimension: d, expectedCount: 64)
        try index.train(vectors)
        try index.add(vectors, ids: (0..<64).map { Int64($0) })
        let path = folder.appendingPathComponent("shard.faiss").path
        try index.write(to: path)
        var bytes = try Array(Data(contentsOf: URL(fileURLWithPath: path)))
        // The index header: fourcc, i32 d, i64 ntotal, two i64 dummies, u8 is_trained, then i32 metric at byte 33.
        withUnsafeBytes(of: metric.littleEndian) { bytes.replaceSubrange(33..<37, with: $0) }
        if metric > 1 { bytes.insert(contentsOf: [0, 0, 0, 0], at: 37) }  // metric_arg follows metrics above L2
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        #expect {
            _ = try VectorIndex.read(from: path)
        } throws: { error in
            guard case IndexError.corruptFile(let file, let message) = error else { return false }
            return file == path && message.contains("metric")
        }
    }

    /// An HNSW shard whose graph header says upper_beam 0 (faiss only ever writes 1): it read fine, and the first
    /// search wrote through a null pointer inside faiss (SEGV). The minimised finding: a valid 12-vector HNSW file
    /// with that one field changed.
    @Test("an HNSW file with upper_beam 0 is refused on read, not a crash on search")
    func hnswUpperBeam() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("glossa-beam-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let n = 12
        let vectors = Synthetic.clustered(count: n, dimension: d, centres: 3, seed: 7)
        let index = try VectorIndex(spec: .hnsw(m: 4), dimension: d, expectedCount: n)
        try index.add(vectors, ids: (0..<Int64(n)).map { 1000 + 3 * $0 })
        let path = folder.appendingPathComponent("shard.faiss").path
        try index.write(to: path)
        var bytes = try Array(Data(contentsOf: URL(fileURLWithPath: path)))
        // IDMap2(HNSW-Flat): … upper_beam, then the flat storage (37-byte header, u64 count, n·d floats), then the
        // id table (u64 count, n ids).
        let upperBeam = bytes.count - (8 + 8 * n) - (37 + 8 + 4 * n * d) - 4
        #expect(bytes[upperBeam..<upperBeam + 4] == [1, 0, 0, 0])
        bytes.replaceSubrange(upperBeam..<upperBeam + 4, with: [0, 0, 0, 0])
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        #expect {
            _ = try VectorIndex.read(from: path)
        } throws: { error in
            guard case IndexError.corruptFile(_, let message) = error else { return false }
            return message.contains("upper beam")
        }
    }
}
