// The bundle format: precomputed chunk rows and vectors in three files, what `glossa import` reads and
// `glossa export` / `glossa encode` write (and what an external encoding job, e.g. Spark, produces). The
// field names here are a contract with hand-off scripts (Milvus, Parquet): never rename one.
import Foundation
internal import CCrypto

/// A Glossa bundle: a folder holding exactly these three files.
///
/// **`manifest.json`** (one JSON object):
/// ```
/// {"format": "glossa-bundle", "version": 1, "model": "multilingual-e5-small", "dimension": 384,
///  "metric": "inner_product", "normalized": true, "precision": "float32", "rows": N, "documents": D,
///  "chunk_tokens": 512, "chunk_overlap": 64,
///  "files": {"rows.jsonl": {"sha256": "<hex>", "bytes": n}, "vectors.f32.npy": {"sha256": "<hex>", "bytes": n}},
///  "metadata_schema": {"<dotted key>": "string" | "integer" | "number" | "boolean" | "null" | "mixed"
///                      | "array<…>"},
///  "id_namespace": "<UUID>", "created_by": "glossa …"}
/// ```
/// `model` is the model folder's name; `rows` counts chunk rows (= vectors), `documents` distinct ids.
/// `metadata_schema` types every dotted key of the flattened metadata (nested objects give `a.b`; arrays
/// `array<type>`; a key whose values have different types is `mixed`; `integer` and `number` together are
/// `number`; a key that is null wherever present is `null`).
///
/// **`rows.jsonl`**: one JSON object per chunk, line i describing vector i:
/// `{"id": "<document id>", "chunk": <ordinal from 0>, "start": <UTF-8 byte offset in the document text>,
/// "end": <byte offset, exclusive>, "text": "<the chunk's text>", "title": <string or null>,
/// "metadata": {…}, "uid64": <int64 ≥ 0>, "uuid": "<UUIDv5>", "document_text": "<whole text>"}`.
/// A document's rows are consecutive, chunks 0, 1, 2, …; `title` and `metadata` are the document's (taken
/// from chunk 0). `document_text` appears on chunk 0 only and may be omitted by a producer: import then
/// rebuilds the text from the chunk spans, which must cover it from byte 0 without gaps and agree where they
/// overlap. `uuid` = UUIDv5(`id_namespace`, UTF-8 of `"<id>:<chunk>"`) (RFC 4122, SHA-1); `uid64` = its first
/// 8 bytes read big-endian with the top bit cleared. Both are informative for engines that need integer or
/// UUID keys; import recomputes them and refuses rows whose values differ.
///
/// **`vectors.f32.npy`**: NumPy NPY 1.0, dtype `<f4`, C order, shape (rows, dimension); every row finite and
/// L2-normalised (|norm − 1| ≤ `Bundle.normTolerance`).
public enum Bundle {
    public static let format = "glossa-bundle"
    public static let version = 1
    public static let manifestFile = "manifest.json"
    public static let rowsFile = "rows.jsonl"
    public static let vectorsFile = "vectors.f32.npy"
    public static let metric = "inner_product"
    public static let precision = "float32"
    /// The UUIDv5 namespace of chunk uuids: UUIDv5(NAMESPACE_URL, "https://glossa.dev/bundle/chunk").
    public static let idNamespace = "d93f2be3-4900-5940-9027-bf7a3336d861"
    /// How far a vector's L2 norm may be from 1.
    public static let normTolerance: Float = 1e-3

    /// The uuid of chunk `chunk` of document `id`: UUIDv5(idNamespace, "<id>:<chunk>").
    public static func uuid(id: String, chunk: Int) -> String {
        format(uuidBytes(id: id, chunk: chunk))
    }

    /// The 64-bit id of chunk `chunk` of document `id`: the uuid's first 8 bytes, big-endian, top bit cleared.
    public static func uid64(id: String, chunk: Int) -> Int64 {
        let bytes = uuidBytes(id: id, chunk: chunk)
        var value: UInt64 = 0
        for byte in bytes[0..<8] { value = value << 8 | UInt64(byte) }
        return Int64(bitPattern: value & 0x7fff_ffff_ffff_ffff)
    }

    /// Both ids of a chunk from one SHA-1.
    public static func ids(id: String, chunk: Int) -> (uid64: Int64, uuid: String) {
        let bytes = uuidBytes(id: id, chunk: chunk)
        var value: UInt64 = 0
        for byte in bytes[0..<8] { value = value << 8 | UInt64(byte) }
        return (Int64(bitPattern: value & 0x7fff_ffff_ffff_ffff), format(bytes))
    }

    /// RFC 4122 §4.3: SHA-1 of namespace bytes + name, version nibble 5, variant bits 10.
    static func uuidBytes(id: String, chunk: Int) -> [UInt8] {
        var input = namespaceBytes
        input.append(contentsOf: Array("\(id):\(chunk)".utf8))
        var digest = [UInt8](repeating: 0, count: 20)
        let status = input.withUnsafeBytes { raw in
            digest.withUnsafeMutableBufferPointer { glossa_sha1(raw.baseAddress, raw.count, $0.baseAddress) }
        }
        // libcrypto's SHA-1 cannot fail on in-memory input short of allocation failure.
        precondition(status == 0, "SHA-1 failed in libcrypto")
        var bytes = Array(digest[0..<16])
        bytes[6] = (bytes[6] & 0x0f) | 0x50
        bytes[8] = (bytes[8] & 0x3f) | 0x80
        return bytes
    }

    private static let namespaceBytes: [UInt8] = parseUUID(idNamespace)

    static func parseUUID(_ text: String) -> [UInt8] {
        let hex = Array(text.replacingOccurrences(of: "-", with: "").utf8)
        return stride(from: 0, to: hex.count, by: 2).map { UInt8(String(decoding: hex[$0..<$0 + 2], as: UTF8.self), radix: 16) ?? 0 }
    }

    static func format(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(36)
        for (i, byte) in bytes.enumerated() {
            if i == 4 || i == 6 || i == 8 || i == 10 { out.append(UInt8(ascii: "-")) }
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 15)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func hexString(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 15)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// `manifest.json` of a bundle (see `Bundle`). Coding keys are the file's field names.
public struct BundleManifest: Codable, Sendable, Equatable {
    public struct FileEntry: Codable, Sendable, Equatable {
        public var sha256: String
        public var bytes: Int64
    }

    public var format: String
    public var version: Int
    public var model: String
    public var dimension: Int
    public var metric: String
    public var normalized: Bool
    public var precision: String
    public var rows: Int
    public var documents: Int
    public var chunkTokens: Int
    public var chunkOverlap: Int
    public var files: [String: FileEntry]
    public var metadataSchema: [String: String]
    public var idNamespace: String
    public var createdBy: String

    enum CodingKeys: String, CodingKey {
        case format, version, model, dimension, metric, normalized, precision, rows, documents, files
        case chunkTokens = "chunk_tokens"
        case chunkOverlap = "chunk_overlap"
        case metadataSchema = "metadata_schema"
        case idNamespace = "id_namespace"
        case createdBy = "created_by"
    }
}

/// Incremental SHA-256 over libcrypto (CCrypto), hex output. One instance per digest; not thread-safe.
final class SHA256Digest {
    private let handle: OpaquePointer

    init() {
        // Allocation failure of a few hundred bytes is not a recoverable condition here.
        guard let handle = glossa_sha256_new() else { preconditionFailure("libcrypto could not allocate SHA-256") }
        self.handle = handle
    }

    deinit { glossa_sha256_free(handle) }

    func update(_ buffer: UnsafeRawBufferPointer) {
        guard buffer.count > 0 else { return }
        _ = glossa_sha256_update(handle, buffer.baseAddress, buffer.count)
    }

    func update(_ bytes: [UInt8]) { bytes.withUnsafeBytes { update($0) } }

    /// The digest as 64 lowercase hex digits (call once).
    func finalize() -> String {
        var out = [UInt8](repeating: 0, count: 32)
        _ = out.withUnsafeMutableBufferPointer { glossa_sha256_final(handle, $0.baseAddress) }
        return Bundle.hexString(out)
    }
}
