// Writes an F32 safetensors file tensor by tensor, so a 400 MB checkpoint never has to sit in
// memory twice. The header is known up front (names + shapes), so offsets are fixed before data.
import Foundation

/// Streams F32 tensors into a safetensors file in the order declared.
///
/// Usage: `init` with every (name, shape), then `write(name:_:)` once per tensor in that order,
/// then `finish()`. Not thread-safe.
struct SafetensorsWriter {
    let path: String
    private let handle: FileHandle
    private let layout: [(name: String, shape: [Int])]
    private var next = 0

    init(path: String, tensors: [(name: String, shape: [Int])], metadata: [String: String] = [:]) throws {
        self.path = path
        layout = tensors
        var entries: [String] = []
        var offset = 0
        for (name, shape) in tensors {
            let bytes = shape.reduce(1, *) * 4
            let shapeText = shape.map(String.init).joined(separator: ",")
            entries.append(
                "\(Self.jsonString(name)):{\"dtype\":\"F32\",\"shape\":[\(shapeText)],\"data_offsets\":[\(offset),\(offset + bytes)]}"
            )
            offset += bytes
        }
        if !metadata.isEmpty {
            let items = metadata.sorted { $0.key < $1.key }.map {
                "\(Self.jsonString($0.key)):\(Self.jsonString($0.value))"
            }
            entries.insert("\"__metadata__\":{\(items.joined(separator: ","))}", at: 0)
        }
        var header = Array("{\(entries.joined(separator: ","))}".utf8)
        // Pad with spaces so the data region starts 8-byte aligned (as the reference writer does);
        // this keeps every F32 tensor zero-copy loadable.
        while (header.count + 8) % 8 != 0 { header.append(UInt8(ascii: " ")) }
        guard FileManager.default.createFile(atPath: path, contents: nil),
            let handle = FileHandle(forWritingAtPath: path)
        else {
            throw ModelError.writeFailed(path: path, reason: "cannot create the file")
        }
        self.handle = handle
        var length = UInt64(header.count).littleEndian
        let lengthBytes = withUnsafeBytes(of: &length) { Data($0) }
        try write(lengthBytes + Data(header))
    }

    private func write(_ data: Data) throws {
        do {
            try handle.write(contentsOf: data)
        } catch {
            throw ModelError.writeFailed(path: path, reason: "\(error)")
        }
    }

    /// Appends the next tensor; `name` and the element count must match the declared order.
    mutating func write(name: String, _ values: UnsafeBufferPointer<Float>) throws {
        precondition(next < layout.count && layout[next].name == name, "tensor \(name) written out of order")
        precondition(values.count == layout[next].shape.reduce(1, *), "tensor \(name) has the wrong element count")
        next += 1
        // Little-endian F32 is the in-memory format on every platform Glossa supports.
        try write(Data(buffer: values))
    }

    /// Flushes and closes; throws if any declared tensor was not written.
    func finish() throws {
        guard next == layout.count else {
            throw ModelError.writeFailed(path: path, reason: "only \(next) of \(layout.count) tensors were written")
        }
        do {
            try handle.synchronize()
            try handle.close()
        } catch {
            throw ModelError.writeFailed(path: path, reason: "\(error)")
        }
    }

    /// A JSON string literal (tensor names are ASCII, but escape anyway).
    static func jsonString(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
