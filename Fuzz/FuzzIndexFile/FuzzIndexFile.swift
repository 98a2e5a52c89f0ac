// libFuzzer target: arbitrary bytes as a shard file, through GlossaIndex and the CFaiss shim (Glossa's
// structural check, then faiss::read_index). A file must load or throw IndexError.corruptFile; one that loads
// must answer a search with stored ids (a crash here is what a corrupt HNSW graph would do), and must survive
// being written and read back with the same count and the same answers.
import Foundation
import GlossaIndex
import FuzzSupport

private let path = "/dev/shm/glossa-fuzz-index-\(getpid()).faiss"
private let copyPath = path + ".copy"

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    guard FileManager.default.createFile(atPath: path, contents: Data(bytes: start, count: count)) else { return 0 }
    defer { unlink(path) }
    let index: VectorIndex
    do { index = try VectorIndex.read(from: path) } catch .corruptFile { return 0 } catch {
        preconditionFailure("VectorIndex.read threw something other than corruptFile: \(error)")
    }
    // Bounded so that one large valid index does not make a slow input.
    guard index.dimension <= 4096 else { return 0 }
    let query = (0..<index.dimension).map { Float(($0 % 7) - 3) / 4 }
    let hits: [[(id: Int64, score: Float)]]
    do { hits = try index.search(query, k: 4) } catch {
        // faiss may refuse a search (an untrained IVF, say) with a typed error; only a crash is a finding.
        return 0
    }
    defer { unlink(copyPath) }
    do {
        try index.write(to: copyPath)
        let again = try VectorIndex.read(from: copyPath)
        precondition(again.count == index.count && again.dimension == index.dimension, "the copy differs")
        let hitsAgain = try again.search(query, k: 4)
        precondition(hits.map { $0.map(\.id) } == hitsAgain.map { $0.map(\.id) }, "the copy answers differently")
    } catch {
        preconditionFailure("an index that loaded and searched did not survive write and read back: \(error)")
    }
    return 0
}

// MARK: - Entry

// The renamed `main` of a SwiftPM debug executable; see FuzzSupport.
@_cdecl("FuzzIndexFile_main")
public func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    return runLibFuzzer(argc, argv) { data, size in data.map { fuzz($0, size) } ?? 0 }
}
