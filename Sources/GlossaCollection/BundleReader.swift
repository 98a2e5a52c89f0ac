// Reading a bundle (see `Bundle`): the manifest, then rows.jsonl and vectors.f32.npy side by side, one
// document at a time, checking everything the format promises. Every refusal names the file and the line
// (rows) or row (vectors). Import runs it twice: a dry run that stores nothing, then the real one.
public import Foundation
public import GlossaStore

/// One document of a bundle, assembled from its consecutive rows.
public struct BundleDocument: Sendable {
    public var id: String
    public var title: String?
    /// The document text (`document_text`, or rebuilt from the chunk spans).
    public var text: String
    public var metadata: [String: MetadataValue]
    /// Chunk spans in UTF-8 bytes of `text`, chunk 0 first.
    public var spans: [Range<Int>]
    /// The chunks' vectors, (spans.count, dimension) row-major.
    public var vectors: [Float]
    /// The rows.jsonl line of chunk 0 (1-based).
    public var line: Int
}

/// A bundle folder opened for reading. Not thread-safe.
public final class BundleReader {
    public let folder: URL
    public let manifest: BundleManifest

    // Kept as strings: they are named in every row's error path, and building a URL per row was 14 % of import.
    let manifestPath: String
    let rowsPath: String
    let vectorsPath: String

    /// Reads and checks `manifest.json` (format, version, metric, normalisation, precision, file entries).
    public init(folder: URL) throws {
        self.folder = folder
        let path = folder.appendingPathComponent(Bundle.manifestFile).path
        manifestPath = path
        rowsPath = folder.appendingPathComponent(Bundle.rowsFile).path
        vectorsPath = folder.appendingPathComponent(Bundle.vectorsFile).path
        // An empty manifest is refused before it is read: Foundation's FileManager.contents(atPath:) leaks a
        // 4 KiB buffer on an empty file (found by FuzzBundle, as FuzzCorpus found it for corpus folders).
        if let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber, size.intValue == 0 {
            throw IngestError.bundle(file: path, reason: "is empty; a bundle manifest is a JSON object")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw IngestError.bundle(file: path, reason: "no such file; a bundle is a folder with manifest.json, "
                + "rows.jsonl and vectors.f32.npy")
        }
        let decoded: BundleManifest
        do {
            decoded = try JSONDecoder().decode(BundleManifest.self, from: data)
        } catch {
            throw IngestError.bundle(file: path, reason: "not a bundle manifest (\(Self.reason(error)))")
        }
        func refuse(_ field: String, _ reason: String) -> IngestError {
            .bundle(file: path, reason: "field '\(field)' \(reason)")
        }
        guard decoded.format == Bundle.format else { throw refuse("format", "is '\(decoded.format)', not '\(Bundle.format)'") }
        guard decoded.version == Bundle.version else {
            throw refuse("version", "is \(decoded.version); this glossa reads version \(Bundle.version)")
        }
        guard decoded.metric == Bundle.metric else { throw refuse("metric", "is '\(decoded.metric)', not '\(Bundle.metric)'") }
        guard decoded.normalized else { throw refuse("normalized", "is false; Glossa stores L2-normalised vectors only") }
        guard decoded.precision == Bundle.precision else {
            throw refuse("precision", "is '\(decoded.precision)', not '\(Bundle.precision)'")
        }
        guard decoded.dimension > 0, decoded.rows >= 0, decoded.documents >= 0, decoded.documents <= decoded.rows else {
            throw refuse("dimension/rows/documents", "must be positive, ≥ 0, and documents ≤ rows")
        }
        for file in [Bundle.rowsFile, Bundle.vectorsFile] where decoded.files[file] == nil {
            throw refuse("files", "has no entry for \(file)")
        }
        manifest = decoded
    }

    /// Reads every document in order, checking sizes, SHA-256, the NPY header, every vector (finite, norm 1),
    /// every row (JSON, fields, ids, spans) and the counts; calls `body` for each document.
    /// - Throws: `IngestError.bundle` naming file and line/row at the first problem (`body` has then seen
    ///   the documents before it: a caller that must store nothing of a bad bundle runs a dry pass first).
    public func forEachDocument(_ body: (BundleDocument) throws -> Void) throws {
        try checkSizes()
        let rows = try HashingReader(path: rowsPath)
        let vectors = try HashingReader(path: vectorsPath)
        let dimension = manifest.dimension
        try readHeader(vectors)
        let parser = RowParser(file: rowsPath, dimension: dimension)
        var pending: PendingDocument?
        var seen = Set<String>()
        var rowCount = 0
        var documentCount = 0
        var lineNumber = 0
        func flush() throws {
            guard let document = pending else { return }
            pending = nil
            guard seen.insert(document.id).inserted else {
                throw IngestError.bundle(file: rowsPath, line: document.line, reason: "document '\(document.id)' "
                    + "appears again after other documents; a document's rows must be consecutive")
            }
            documentCount += 1
            try body(try document.assemble(file: rowsPath))
        }
        while let line = try rows.nextLine() {
            lineNumber += 1
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0d }) { continue }
            let row = try parser.parse(line, line: lineNumber)
            guard rowCount < manifest.rows else {
                throw IngestError.bundle(file: rowsPath, line: lineNumber, reason: "is row \(rowCount + 1), but the "
                    + "manifest says the bundle has \(manifest.rows) rows")
            }
            guard let raw = try vectors.next(dimension * 4) else {
                throw IngestError.bundle(file: vectorsPath, row: rowCount, reason: "the file ends before row \(rowCount) "
                    + "(truncated: \(manifest.rows) rows of \(dimension) float32 expected)")
            }
            let vector = try Self.vector(raw, row: rowCount, dimension: dimension, file: vectorsPath)
            rowCount += 1
            if var open = pending, open.id == row.id {
                try open.append(row, vector: vector, file: rowsPath, line: lineNumber)
                pending = open
            } else {
                try flush()
                pending = try PendingDocument(first: row, vector: vector, file: rowsPath, line: lineNumber)
            }
        }
        try flush()
        let extraBytes = try vectors.drain()
        _ = try rows.drain()
        guard rowCount == manifest.rows else {
            throw IngestError.bundle(file: rowsPath, line: lineNumber, reason: "has \(rowCount) rows but the manifest "
                + "says \(manifest.rows)")
        }
        guard extraBytes == 0 else {
            throw IngestError.bundle(file: vectorsPath, row: rowCount, reason: "has \(extraBytes) bytes after the last "
                + "of its \(rowCount) rows")
        }
        guard documentCount == manifest.documents else {
            throw IngestError.bundle(file: manifestPath, reason: "field 'documents' says \(manifest.documents) but "
                + "rows.jsonl holds \(documentCount) documents")
        }
        for (path, reader, name) in [(rowsPath, rows, Bundle.rowsFile), (vectorsPath, vectors, Bundle.vectorsFile)] {
            let digest = reader.finalize()
            // Checked after the whole file was read: the digest needs every byte.
            if let expected = manifest.files[name]?.sha256, expected.lowercased() != digest {
                throw IngestError.bundle(file: path, reason: "SHA-256 is \(digest) but the manifest says \(expected)")
            }
        }
    }

    private func checkSizes() throws {
        for (name, path) in [(Bundle.rowsFile, rowsPath), (Bundle.vectorsFile, vectorsPath)] {
            let attributes = try? FileManager.default.attributesOfItem(atPath: path)
            // `try?`: a missing file is reported just below with its path.
            guard let size = (attributes?[.size] as? NSNumber)?.int64Value else {
                throw IngestError.bundle(file: path, reason: "no such file")
            }
            if let expected = manifest.files[name]?.bytes, expected != size {
                throw IngestError.bundle(file: path, reason: "is \(size) bytes but the manifest says \(expected)")
            }
        }
    }

    private func readHeader(_ vectors: HashingReader) throws {
        func truncated(_ where_: String) -> IngestError {
            .bundle(file: vectorsPath, reason: "truncated \(where_) (\(manifest.rows) rows of \(manifest.dimension) float32 expected)")
        }
        guard var head = try vectors.next(10).map(Array.init) else { throw truncated("before the end of the NPY header") }
        guard head.starts(with: NPYHeader.magic) else {
            throw IngestError.bundle(file: vectorsPath, reason: "not an NPY file (no \\x93NUMPY magic)")
        }
        var length = Int(head[8]) | Int(head[9]) << 8
        if head[6] >= 2 {
            // Versions 2.0 and 3.0 have a 4-byte header length.
            guard let more = try vectors.next(2) else { throw truncated("inside the NPY header") }
            head += more
            length |= Int(head[10]) << 16 | Int(head[11]) << 24
        }
        guard let rest = try vectors.next(length) else { throw truncated("inside the NPY header") }
        head += rest
        let shape: (rows: Int, dimension: Int, dataOffset: Int)
        do {
            shape = try NPYHeader.parse(head)
        } catch {
            throw IngestError.bundle(file: vectorsPath, reason: error.reason)
        }
        guard shape.dimension == manifest.dimension, shape.rows == manifest.rows else {
            throw IngestError.bundle(file: vectorsPath, reason: "shape is (\(shape.rows), \(shape.dimension)) but "
                + "the manifest says (\(manifest.rows), \(manifest.dimension))")
        }
    }

    static func vector(_ raw: ArraySlice<UInt8>, row: Int, dimension: Int, file: String) throws -> [Float] {
        var vector = [Float](repeating: 0, count: dimension)
        vector.withUnsafeMutableBytes { $0.copyBytes(from: raw) }
        var norm: Float = 0
        for (c, value) in vector.enumerated() {
            guard value.isFinite else {
                throw IngestError.bundle(file: file, row: row, reason: "component \(c) is \(value); vectors must be finite")
            }
            norm += value * value
        }
        norm = norm.squareRoot()
        guard abs(norm - 1) <= Bundle.normTolerance else {
            throw IngestError.bundle(file: file, row: row, reason: "the L2 norm is \(norm), not 1 (± \(Bundle.normTolerance)); "
                + "normalise the vectors")
        }
        return vector
    }

    static func reason(_ error: any Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, let context):
            return "missing field '\((context.codingPath + [key]).map(\.stringValue).joined(separator: "."))'"
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            return "field '\(context.codingPath.map(\.stringValue).joined(separator: "."))' has the wrong type"
        case DecodingError.dataCorrupted(let context):
            return context.codingPath.isEmpty ? "not valid JSON" : "field '\(context.codingPath.map(\.stringValue).joined(separator: "."))' is invalid"
        default:
            return "\(error)"
        }
    }
}
