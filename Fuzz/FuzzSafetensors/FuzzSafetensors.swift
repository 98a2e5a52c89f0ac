// libFuzzer target: arbitrary bytes as a safetensors file. SafetensorsFile must parse or throw ModelError;
// when it parses, every float tensor loads inside the mapping, and the file written back by SafetensorsWriter
// (the importer's writer) parses to the same names, shapes, values and metadata.
import Foundation
import FuzzSupport
@testable import GlossaModel

private let path = "/dev/shm/glossa-fuzz-safetensors-\(getpid()).bin"
private let copyPath = path + ".copy"

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    guard FileManager.default.createFile(atPath: path, contents: Data(bytes: start, count: count)) else { return 0 }
    defer { unlink(path) }
    let file: SafetensorsFile
    do { file = try SafetensorsFile(path: path) } catch is ModelError { return 0 } catch {
        preconditionFailure("SafetensorsFile threw something other than ModelError: \(error)")
    }
    var tensors: [(name: String, tensor: FloatTensor)] = []
    for name in file.tensorNames {
        guard let info = file.info(name) else { preconditionFailure("listed tensor '\(name)' has no info") }
        do {
            tensors.append((name, try file.floatTensor(name)))
        } catch ModelError.unsupportedDType {
            if case .other = info.dtype { continue }
            preconditionFailure("a float dtype was refused for '\(name)'")
        } catch {
            preconditionFailure("tensor '\(name)' passed the header check but did not load: \(error)")
        }
    }
    // Round trip (bounded so one input stays cheap): every loaded tensor as F32, same order, same metadata.
    guard tensors.count == file.tensorNames.count, tensors.reduce(0, { $0 + $1.tensor.count }) <= 1 << 16 else {
        return 0
    }
    defer { unlink(copyPath) }
    do {
        var writer = try SafetensorsWriter(
            path: copyPath, tensors: tensors.map { ($0.name, $0.tensor.shape) }, metadata: file.metadata)
        for (name, tensor) in tensors { try writer.write(name: name, tensor.buffer) }
        try writer.finish()
        let copy = try SafetensorsFile(path: copyPath)
        precondition(copy.tensorNames == file.tensorNames, "the written file has other tensor names")
        precondition(copy.metadata == file.metadata, "the written file has other metadata")
        for (name, tensor) in tensors {
            let again = try copy.floatTensor(name)
            precondition(again.shape == tensor.shape, "'\(name)' changed shape in the round trip")
            precondition(
                zip(again.buffer, tensor.buffer).allSatisfy { $0.bitPattern == $1.bitPattern },
                "'\(name)' changed values in the round trip")
        }
    } catch {
        preconditionFailure("a parsed file did not survive writing and reading back: \(error)")
    }
    return 0
}

// MARK: - Entry

// The renamed `main` of a SwiftPM debug executable; see FuzzSupport.
@_cdecl("FuzzSafetensors_main")
public func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    return runLibFuzzer(argc, argv) { data, size in data.map { fuzz($0, size) } ?? 0 }
}
