// SafetensorsFile: F32 zero-copy and misaligned, F16/BF16 conversion, and every malformed input
// giving a ModelError that names the file (and tensor).
import Foundation
import Testing

@testable import GlossaModel

@Suite struct SafetensorsFileTests {
    let values: [Float] = [1, -2, 0.5, 3.25, -0.125, 65504]

    func write(_ data: Data) throws -> String {
        let path = try TestFiles.temporaryDirectory().appendingPathComponent("t.safetensors").path
        try data.write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test("F32, F16 and BF16 tensors load as the same floats")
    func dtypes() throws {
        // Half bits of `values`: 1, -2, 0.5, 3.25, -0.125, 65504 (max half).
        let half: [UInt16] = [0x3C00, 0xC000, 0x3800, 0x4280, 0xB000, 0x7BFF]
        // bfloat16 = top 16 bits of the float; all of these are exact in bf16 except 65504.
        let bf: [UInt16] = values.map { UInt16($0.bitPattern >> 16) }
        let path = try write(
            TestFiles.safetensors([
                ("a.f32", "F32", [2, 3], TestFiles.bytes(values)),
                ("b.f16", "F16", [3, 2], TestFiles.bytes16(half)),
                ("c.bf16", "BF16", [6], TestFiles.bytes16(bf)),
            ]))
        let file = try SafetensorsFile(path: path)
        #expect(file.tensorNames == ["a.f32", "b.f16", "c.bf16"])
        #expect(file.info("b.f16") == TensorInfo(dtype: .f16, shape: [3, 2], begin: 24, end: 36))
        #expect(try file.floatTensor("a.f32", shape: [2, 3]).toArray() == values)
        #expect(try file.floatTensor("b.f16", shape: [3, 2]).toArray() == values)
        let bfExpected = values.map { Float(bitPattern: $0.bitPattern & 0xFFFF_0000) }
        #expect(try file.floatTensor("c.bf16", shape: [6]).toArray() == bfExpected)
    }

    @Test("aligned F32 is zero-copy; misaligned F32 is copied and still correct")
    func alignment() throws {
        // Header padded to 8 -> data offset 0 is aligned; a 2-byte U8 tensor first misaligns the next.
        let path = try write(
            TestFiles.safetensors([
                ("pad", "U8", [2], [7, 7]),
                ("x", "F32", [6], TestFiles.bytes(values)),
                ("y", "F32", [6], TestFiles.bytes(values)),
            ]))
        let file = try SafetensorsFile(path: path)
        let x = try file.floatTensor("x", shape: [6])
        #expect(Int(bitPattern: x.pointer) % 4 == 0)
        #expect(x.toArray() == values)
        #expect(try file.floatTensor("y", shape: [6]).toArray() == values)
    }

    @Test("the tensor outlives the SafetensorsFile that made it")
    func lifetime() throws {
        let path = try write(TestFiles.safetensors([("x", "F32", [6], TestFiles.bytes(values))]))
        var file: SafetensorsFile? = try SafetensorsFile(path: path)
        let tensor = try #require(try file?.floatTensor("x"))
        file = nil
        #expect(tensor.toArray() == values)
    }

    @Test("a shape mismatch names the file, the tensor and both shapes")
    func shapeMismatch() throws {
        let path = try write(TestFiles.safetensors([("x", "F32", [2, 3], TestFiles.bytes(values))]))
        let file = try SafetensorsFile(path: path)
        let error = #expect(throws: ModelError.self) { try file.floatTensor("x", shape: [3, 2]) }
        #expect(error == .shapeMismatch(path: path, tensor: "x", expected: [3, 2], actual: [2, 3]))
        #expect(error?.description.contains("[2, 3]") == true)
        #expect(throws: ModelError.missingTensor(path: path, tensor: "nope")) { try file.floatTensor("nope") }
    }

    @Test("unsupported dtypes are reported by name")
    func unsupportedDType() throws {
        let path = try write(TestFiles.safetensors([("ids", "I64", [1], [1, 0, 0, 0, 0, 0, 0, 0])]))
        let file = try SafetensorsFile(path: path)
        #expect(file.info("ids")?.dtype == .other("I64"))
        #expect(throws: ModelError.unsupportedDType(path: path, tensor: "ids", dtype: "I64")) {
            try file.floatTensor("ids")
        }
    }

    @Test(
        "truncated, empty and foreign files throw malformedSafetensors naming the file",
        arguments: ["truncated", "empty", "foreign", "badjson", "sizes"])
    func malformed(kind: String) throws {
        let good = TestFiles.safetensors([("x", "F32", [6], TestFiles.bytes(values))])
        let data: Data
        switch kind {
        case "truncated": data = good.prefix(good.count - 3)
        case "empty": data = Data()
        case "foreign": data = Data("PK\u{3}\u{4} this is a zip file, not safetensors".utf8)
        case "badjson":
            data = Data([5, 0, 0, 0, 0, 0, 0, 0]) + Data("{oops".utf8)
        default: data = TestFiles.safetensors([("x", "F32", [7], TestFiles.bytes(values))])
        }
        let path = try write(data)
        let error = #expect(throws: ModelError.self) { try SafetensorsFile(path: path) }
        guard case .malformedSafetensors(let errorPath, _) = error else {
            Issue.record("expected malformedSafetensors, got \(String(describing: error))")
            return
        }
        #expect(errorPath == path)
    }

    @Test("a missing file is unreadable, naming the path")
    func missingFile() {
        #expect(throws: ModelError.self) { try SafetensorsFile(path: "/nonexistent/model.safetensors") }
    }

    @Test("half conversion matches Float16 for every bit pattern")
    func halfExhaustive() {
        #if arch(x86_64) || arch(arm64)
            var mismatches = 0
            for bits in 0...UInt16.max {
                let ours = Half.float(fromHalfBits: bits)
                let reference = Float(Float16(bitPattern: bits))
                if ours.bitPattern != reference.bitPattern && !(ours.isNaN && reference.isNaN) { mismatches += 1 }
            }
            #expect(mismatches == 0)
        #endif
    }
}
