// Adapts GlossaEncoder's `Encoder` to `TextEmbedder`, with a cache identity taken from the model
// files (path, size and modification time of the weights), so re-importing the model invalidates it.
import Foundation
public import GlossaEncoder

/// The real mE5 encoder as a `TextEmbedder` (`embed(_:kind: .query)`: the "query: " prefix).
public struct EncoderEmbedder: TextEmbedder {
    public let encoder: Encoder
    public let identity: String

    /// Opens the model folder. Throws the encoder's errors unchanged (they name the folder).
    /// The int8 path's vectors differ from fp32's, so its precision is part of the cache identity (fp32's
    /// identity is what it was before the int8 path existed, which keeps existing caches valid).
    public init(modelFolder: String, precision: Precision = .fp32) throws {
        encoder = try Encoder(modelFolder: modelFolder, precision: precision)
        var parts = ["model=\(encoder.modelName)", "dimension=\(encoder.dimension)", "kind=query"]
        if precision != .fp32 { parts.append("precision=\(precision.rawValue)") }
        let folder = URL(fileURLWithPath: modelFolder).standardizedFileURL
        for file in ["model.safetensors", "config.json", "sentencepiece.bpe.model"] {
            let path = folder.appendingPathComponent(file).path
            // A file the encoder did not need (absent) is part of the identity as "absent".
            guard FileManager.default.fileExists(atPath: path) else {
                parts.append("\(path):absent")
                continue
            }
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            let size = (attributes[.size] as? NSNumber)?.int64Value ?? -1
            let modified = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? -1
            parts.append("\(path):\(size):\(modified)")
        }
        identity = parts.joined(separator: "\n")
    }

    public func embedQueries(_ texts: [String], progress: (_ done: Int, _ total: Int) -> Void) throws -> [[Float]] {
        try withoutActuallyEscaping(progress) { progress in
            try encoder.embed(texts, kind: .query, progress: { done, total in progress(done, total) })
        }
    }
}
