// Writing a bundle (see `Bundle`): rows.jsonl and vectors.f32.npy are streamed into a temporary folder
// beside the target, the manifest (counts, SHA-256, metadata schema) is written last, and the folder is
// renamed into place, so a reader never sees half a bundle. Used by `glossa export` and `glossa encode`.
public import Foundation
public import GlossaStore

/// Streams documents into a new bundle folder. Not thread-safe.
public final class BundleWriter {
    public let folder: URL
    let temporary: URL
    private let model: String
    private let dimension: Int
    private let chunkTokens: Int
    private let chunkOverlap: Int
    private let createdBy: String
    private let rows: BufferedFile
    private let vectors: BufferedFile
    private let rowsDigest = SHA256Digest()
    private var rowBuffer: [UInt8] = []
    private var schema = MetadataSchema()
    public private(set) var rowCount = 0
    public private(set) var documentCount = 0

    /// Creates the temporary folder beside `folder`, which must not exist yet.
    public init(folder: URL, model: String, dimension: Int, chunkTokens: Int, chunkOverlap: Int,
                createdBy: String) throws {
        self.folder = folder
        self.model = model
        self.dimension = dimension
        self.chunkTokens = chunkTokens
        self.chunkOverlap = chunkOverlap
        self.createdBy = createdBy
        guard !FileManager.default.fileExists(atPath: folder.path) else {
            throw IngestError.filesystem(path: folder.path, operation: "write a bundle to",
                                         reason: "it already exists; choose a new folder or remove it")
        }
        temporary = folder.deletingLastPathComponent()
            .appendingPathComponent(".\(folder.lastPathComponent).tmp-\(ProcessInfo.processInfo.processIdentifier)")
        try? FileManager.default.removeItem(at: temporary)
        do {
            try FileManager.default.createDirectory(at: temporary, withIntermediateDirectories: true)
        } catch {
            throw IngestError.filesystem(path: temporary.path, operation: "create the bundle folder", reason: "\(error)")
        }
        rows = try BufferedFile(path: temporary.appendingPathComponent(Bundle.rowsFile).path)
        vectors = try BufferedFile(path: temporary.appendingPathComponent(Bundle.vectorsFile).path)
        // A placeholder of the final header's length; the real one (with the row count) is written in finish().
        try vectors.write(NPYHeader.bytes(rows: 0, dimension: dimension))
    }

    /// Appends one document: one row per span, chunk 0 carrying `document_text`.
    /// - Parameters:
    ///   - metadataJSON: the metadata object as canonical JSON text (as the store keeps it).
    ///   - vectors: (spans.count, dimension) row-major.
    public func add(id: String, title: String?, text: String, metadata: [String: MetadataValue], metadataJSON: String,
                    spans: [Range<Int>], vectors chunkVectors: [Float]) throws {
        precondition(chunkVectors.count == spans.count * dimension, "add: \(chunkVectors.count) floats for \(spans.count) spans")
        let utf8 = Array(text.utf8)
        schema.observe(metadata)
        for (chunk, span) in spans.enumerated() {
            rowBuffer.removeAll(keepingCapacity: true)
            func key(_ name: String) { rowBuffer += Array(",\"\(name)\":".utf8) }
            rowBuffer += Array("{\"id\":".utf8)
            JSONText.quoted(id, into: &rowBuffer)
            key("chunk"); rowBuffer += Array(String(chunk).utf8)
            key("start"); rowBuffer += Array(String(span.lowerBound).utf8)
            key("end"); rowBuffer += Array(String(span.upperBound).utf8)
            key("text"); JSONText.quoted(String(decoding: utf8[span], as: UTF8.self), into: &rowBuffer)
            key("title")
            if let title { JSONText.quoted(title, into: &rowBuffer) } else { rowBuffer += Array("null".utf8) }
            key("metadata"); rowBuffer += Array(metadataJSON.utf8)
            let ids = Bundle.ids(id: id, chunk: chunk)
            key("uid64"); rowBuffer += Array(String(ids.uid64).utf8)
            key("uuid"); JSONText.quoted(ids.uuid, into: &rowBuffer)
            if chunk == 0 { key("document_text"); JSONText.quoted(text, into: &rowBuffer) }
            rowBuffer += Array("}\n".utf8)
            rowsDigest.update(rowBuffer)
            try rows.write(rowBuffer)
        }
        try chunkVectors.withUnsafeBytes { try vectors.write($0) }
        rowCount += spans.count
        documentCount += 1
    }

    /// Writes the NPY header and the manifest, then renames the folder into place; returns the manifest.
    @discardableResult
    public func finish() throws -> BundleManifest {
        try rows.close()
        try vectors.close()
        let vectorsPath = temporary.appendingPathComponent(Bundle.vectorsFile).path
        try BufferedFile.overwrite(path: vectorsPath, at: 0, NPYHeader.bytes(rows: rowCount, dimension: dimension))
        // The header changed after the rows were written, so the vectors file is hashed once more, whole.
        let reader = try HashingReader(path: vectorsPath)
        let vectorBytes = try reader.drain()
        let rowsPath = temporary.appendingPathComponent(Bundle.rowsFile).path
        let manifest = BundleManifest(
            format: Bundle.format, version: Bundle.version, model: model, dimension: dimension, metric: Bundle.metric,
            normalized: true, precision: Bundle.precision, rows: rowCount, documents: documentCount,
            chunkTokens: chunkTokens, chunkOverlap: chunkOverlap,
            files: [
                Bundle.rowsFile: .init(sha256: rowsDigest.finalize(), bytes: try Self.size(rowsPath)),
                Bundle.vectorsFile: .init(sha256: reader.finalize(), bytes: vectorBytes),
            ],
            metadataSchema: schema.types, idNamespace: Bundle.idNamespace, createdBy: createdBy)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        let manifestPath = temporary.appendingPathComponent(Bundle.manifestFile)
        do {
            try encoder.encode(manifest).write(to: manifestPath)
        } catch {
            throw IngestError.filesystem(path: manifestPath.path, operation: "write", reason: "\(error)")
        }
        guard rename(temporary.path, folder.path) == 0 else {
            throw IngestError.filesystem(path: folder.path, operation: "rename the bundle into place",
                                         reason: String(cString: strerror(errno)))
        }
        return manifest
    }

    /// Removes the temporary folder (after a failure).
    public func discard() {
        try? rows.close()
        try? vectors.close()
        try? FileManager.default.removeItem(at: temporary)
    }

    static func size(_ path: String) throws -> Int64 {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        return (attributes[.size] as? NSNumber)?.int64Value ?? 0
    }
}

/// The types of the flattened metadata keys (see `Bundle`, `metadata_schema`).
struct MetadataSchema {
    private(set) var types: [String: String] = [:]

    mutating func observe(_ metadata: [String: MetadataValue]) {
        for (key, value) in metadata { observe(key, value) }
    }

    private mutating func observe(_ key: String, _ value: MetadataValue) {
        if case .object(let members) = value {
            for (name, member) in members { observe(key + "." + name, member) }
            return
        }
        let type = Self.type(of: value)
        types[key] = types[key].map { Self.merge($0, type) } ?? type
    }

    static func type(of value: MetadataValue) -> String {
        switch value {
        case .null: return "null"
        case .bool: return "boolean"
        case .string: return "string"
        case .number(let number): return number.rounded() == number && abs(number) < 9e15 ? "integer" : "number"
        case .object: return "object"
        case .array(let elements):
            let inner = elements.map(type(of:)).reduce(nil as String?) { partial, type in partial.map { merge($0, type) } ?? type }
            return "array<\(inner ?? "null")>"
        }
    }

    static func merge(_ a: String, _ b: String) -> String {
        if a == b { return a }
        if a == "null" { return b }
        if b == "null" { return a }
        let numeric: Set = ["integer", "number"]
        if numeric.contains(a), numeric.contains(b) { return "number" }
        if a.hasPrefix("array<"), b.hasPrefix("array<") {
            return "array<" + merge(String(a.dropFirst(6).dropLast()), String(b.dropFirst(6).dropLast())) + ">"
        }
        return "mixed"
    }
}

/// An append-only file with a 4 MiB write buffer.
final class BufferedFile {
    let path: String
    private var descriptor: Int32
    private var buffer: [UInt8] = []
    private static let capacity = 4 << 20

    init(path: String) throws {
        self.path = path
        descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard descriptor >= 0 else {
            throw IngestError.filesystem(path: path, operation: "create", reason: String(cString: strerror(errno)))
        }
        buffer.reserveCapacity(Self.capacity)
    }

    deinit { if descriptor >= 0 { Foundation.close(descriptor) } }

    func write(_ bytes: [UInt8]) throws { try bytes.withUnsafeBytes { try write($0) } }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        if buffer.count + bytes.count > Self.capacity { try flush() }
        if bytes.count >= Self.capacity {
            try Self.writeAll(descriptor, bytes, path: path)
        } else {
            buffer.append(contentsOf: bytes)
        }
    }

    func flush() throws {
        try buffer.withUnsafeBytes { try Self.writeAll(descriptor, $0, path: path) }
        buffer.removeAll(keepingCapacity: true)
    }

    func close() throws {
        guard descriptor >= 0 else { return }
        try flush()
        Foundation.close(descriptor)
        descriptor = -1
    }

    static func overwrite(path: String, at offset: Int, _ bytes: [UInt8]) throws {
        let descriptor = open(path, O_WRONLY)
        defer { Foundation.close(descriptor) }
        let written = bytes.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, off_t(offset)) }
        guard descriptor >= 0, written == bytes.count else {
            throw IngestError.filesystem(path: path, operation: "write the NPY header", reason: String(cString: strerror(errno)))
        }
    }

    private static func writeAll(_ descriptor: Int32, _ bytes: UnsafeRawBufferPointer, path: String) throws {
        var done = 0
        while done < bytes.count {
            let n = Foundation.write(descriptor, bytes.baseAddress! + done, bytes.count - done)
            guard n > 0 else {
                throw IngestError.filesystem(path: path, operation: "write", reason: String(cString: strerror(errno)))
            }
            done += n
        }
    }
}
