// libFuzzer target: the bundle reader of `glossa import` (manifest.json, rows.jsonl with its hand-written row
// parser, vectors.f32.npy). The input is split into the three files; by default the harness writes a manifest
// that matches them (sizes and SHA-256 of what it wrote), so mutations reach the rows and vectors instead of
// stopping at a hash mismatch. Properties: the reader either gives documents whose counts agree with the
// manifest and whose vectors are finite unit vectors, one per span, or throws IngestError.bundle naming one of
// the bundle's own files.
//
// Input: byte 0 flags (bit 0: wrong SHA-256 in the manifest, bit 1: no NPY header is prepended, bit 2: the rows
// part is the manifest itself), byte 1 the manifest's row count, byte 2 its document count, bytes 3-4 the length
// of the rows part (little-endian); then the rows part, then the vector part.
import CCrypto
import Foundation
import GlossaCollection
import FuzzSupport

private let folder = "/dev/shm/glossa-fuzz-bundle-\(getpid())"
private let dimension = 4
nonisolated(unsafe) private var folderMade = false

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    guard count >= 5 else { return 0 }
    let bytes = Array(UnsafeRawBufferPointer(start: start, count: count))
    let flags = bytes[0]
    let rowCount = Int(bytes[1] % 16), documentCount = Int(bytes[2] % 16)
    let body = bytes[5...]
    let rowsLength = Int(bytes[3]) | Int(bytes[4]) << 8
    let rowsPart = Array(body.prefix(rowsLength))
    var vectorPart = Array(body.dropFirst(rowsLength))
    if flags & 2 == 0 { vectorPart = npyHeader(rows: rowCount) + vectorPart }
    // The folder stays between runs (every run rewrites all three files); creating and removing it per run
    // was a tenth of the time.
    if !folderMade {
        folderMade = (try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)) != nil
    }
    let manifest = flags & 4 != 0 ? rowsPart : manifestBytes(
        rows: rowsPart, vectors: vectorPart, rowCount: rowCount, documentCount: documentCount, honest: flags & 1 == 0)
    guard write(manifest, to: "/manifest.json"), write(rowsPart, to: "/rows.jsonl"),
        write(vectorPart, to: "/vectors.f32.npy")
    else { return 0 }
    check()
    return 0
}

private func write(_ bytes: [UInt8], to name: String) -> Bool {
    let descriptor = open(folder + name, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    guard descriptor >= 0 else { return false }
    defer { close(descriptor) }
    return bytes.withUnsafeBytes { Foundation.write(descriptor, $0.baseAddress, $0.count) } == bytes.count
}

private func check() {
    do {
        let reader = try BundleReader(folder: URL(fileURLWithPath: folder))
        var documents = 0, rows = 0
        try reader.forEachDocument { document in
            documents += 1
            rows += document.spans.count
            precondition(!document.id.isEmpty, "a document with an empty id was read")
            precondition(document.vectors.count == document.spans.count * reader.manifest.dimension,
                         "a document's vectors do not match its spans")
            precondition(document.vectors.allSatisfy(\.isFinite), "a non-finite vector was read")
            for span in document.spans {
                precondition(span.lowerBound >= 0 && span.upperBound <= document.text.utf8.count,
                             "a span lies outside its document's text")
            }
        }
        precondition(documents == reader.manifest.documents && rows == reader.manifest.rows,
                     "the counts read disagree with the manifest")
    } catch IngestError.bundle(let file, _, _, _) {
        precondition(file.hasPrefix(folder), "a bundle error names a file outside the bundle: \(file)")
    } catch {
        preconditionFailure("the bundle reader threw something other than IngestError.bundle: \(error)")
    }
}

/// An NPY 1.0 header for (rows, dimension) little-endian float32, as numpy writes it.
private func npyHeader(rows: Int) -> [UInt8] {
    var dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (\(rows), \(dimension)), }"
    dict += String(repeating: " ", count: 118 - dict.utf8.count - 1) + "\n"
    return [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(dict.utf8.count), 0] + Array(dict.utf8)
}

/// The manifest as text: built by hand (JSONSerialization and String(format:) were a quarter of each run).
private func manifestBytes(rows: [UInt8], vectors: [UInt8], rowCount: Int, documentCount: Int, honest: Bool) -> [UInt8] {
    func entry(_ bytes: [UInt8]) -> String {
        "{\"sha256\": \"\(honest ? sha256(bytes) : String(repeating: "0", count: 64))\", \"bytes\": \(bytes.count)}"
    }
    let text = """
        {"format": "glossa-bundle", "version": 1, "model": "fuzz", "dimension": \(dimension), \
        "metric": "inner_product", "normalized": true, "precision": "float32", "rows": \(rowCount), \
        "documents": \(documentCount), "chunk_tokens": 64, "chunk_overlap": 8, \
        "files": {"rows.jsonl": \(entry(rows)), "vectors.f32.npy": \(entry(vectors))}, "metadata_schema": {}, \
        "id_namespace": "d93f2be3-4900-5940-9027-bf7a3336d861", "created_by": "FuzzBundle"}
        """
    return Array(text.utf8)
}

private let hexDigits = Array("0123456789abcdef".utf8)

private func sha256(_ bytes: [UInt8]) -> String {
    let handle = glossa_sha256_new()
    defer { glossa_sha256_free(handle) }
    bytes.withUnsafeBytes { _ = glossa_sha256_update(handle, $0.baseAddress, $0.count) }
    var digest = [UInt8](repeating: 0, count: 32)
    _ = digest.withUnsafeMutableBufferPointer { glossa_sha256_final(handle, $0.baseAddress) }
    var hex: [UInt8] = []
    hex.reserveCapacity(64)
    for byte in digest { hex += [hexDigits[Int(byte >> 4)], hexDigits[Int(byte & 15)]] }
    return String(decoding: hex, as: UTF8.self)
}

// MARK: - Entry

// The renamed `main` of a SwiftPM debug executable; see FuzzSupport.
@_cdecl("FuzzBundle_main")
public func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    return runLibFuzzer(argc, argv) { data, size in data.map { fuzz($0, size) } ?? 0 }
}
