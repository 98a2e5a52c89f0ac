// `glossa encode`: documents → bundle, chunked and embedded exactly as `glossa index` stores them, without a
// collection. One job per corpus partition (Spark) gives bundles that `glossa import` combines. Each document
// is embedded on its own (all its chunks in one encoder call), so its rows and vectors never depend on which
// other documents share its partition or batch.
public import Foundation
import GlossaCore
public import GlossaStore

/// What `BundleEncoding.encode` read and wrote.
public struct EncodeReport: Sendable, CustomStringConvertible {
    public var read = 0
    public var skipped = 0
    public var duplicates = 0
    public var documents = 0
    public var rows = 0
    public var seconds = 0.0
    public var issues: [IngestError] = []

    public var description: String {
        var lines = [
            String(format: "encoded %d documents into %d rows in %.1fs (%.1f rows/s); read %d, %d skipped, "
                   + "%d duplicate ids (last wins)", documents, rows, seconds,
                   seconds > 0 ? Double(rows) / seconds : 0, read, skipped, duplicates)
        ]
        lines += issues.prefix(IngestReport.maxIssues).map { "  \($0)" }
        return lines.joined(separator: "\n")
    }
}

public enum BundleEncoding {
    /// Reads `inputs` (the formats of `glossa index`; `-` is standard input), chunks each document into
    /// `chunkTokens`-token windows sharing `chunkOverlap`, embeds them as passages and writes a bundle folder
    /// at `out`. Of repeated ids the last occurrence wins (as in `index`); documents keep their input order.
    /// Bad lines are skipped and reported, or with `strict` fail the run before anything is written.
    public static func encode(inputs: [String], encoder: any CollectionEncoder, chunkTokens: Int, chunkOverlap: Int,
                              out: URL, strict: Bool = false, progressEnabled: Bool = false) throws -> EncodeReport {
        let started = Date()
        let chunker = try Chunker(windowTokens: chunkTokens, overlapTokens: chunkOverlap)
        var report = EncodeReport()
        var temporaryInputs: [URL] = []
        defer { for url in temporaryInputs { try? FileManager.default.removeItem(at: url) } }
        // Standard input is read twice (last-wins needs a first pass), so it is kept in a temporary file.
        let paths = try inputs.map { input -> String in
            guard input == "-" else { return input }
            let url = FileManager.default.temporaryDirectory.appendingPathComponent("glossa-stdin-\(UUID().uuidString).jsonl")
            FileManager.default.createFile(atPath: url.path, contents: FileHandle.standardInput.readDataToEndOfFile())
            temporaryInputs.append(url)
            return url.path
        }
        // Pass 1: where each id occurs last.
        var last: [String: Int] = [:]
        var sequence = 0
        for path in paths {
            try InputReader.read(path: path) { result in
                switch result {
                case .failure(let issue):
                    if strict { throw issue }
                case .success(let document):
                    last[document.id] = sequence
                    sequence += 1
                }
            }
        }
        let progress = ProgressReporter(label: "encode", unit: "docs", total: last.count, enabled: progressEnabled)
        let writer = try BundleWriter(folder: out, model: encoder.modelName, dimension: encoder.dimension,
                                      chunkTokens: chunkTokens, chunkOverlap: chunkOverlap,
                                      createdBy: "glossa 0.1 encode")
        do {
            sequence = 0
            for path in paths {
                try InputReader.read(path: path) { result in
                    switch result {
                    case .failure(let issue):
                        report.skipped += 1
                        if report.issues.count < IngestReport.maxIssues { report.issues.append(issue) }
                    case .success(let document):
                        report.read += 1
                        defer { sequence += 1 }
                        guard last[document.id] == sequence else {
                            report.duplicates += 1
                            return
                        }
                        let chunks = try DocumentCollection.embedChunks([document], encoder: encoder, chunker: chunker)[0]
                        try writer.add(id: document.id, title: document.title, text: document.text,
                                       metadata: document.metadata,
                                       metadataJSON: MetadataValue.canonicalJSON(document.metadata),
                                       spans: chunks.map { $0.start..<$0.end }, vectors: chunks.flatMap(\.vector))
                        report.rows += chunks.count
                        report.documents += 1
                        progress.advance()
                    }
                }
            }
            try writer.finish()
        } catch {
            writer.discard()
            throw error
        }
        progress.finish()
        report.seconds = Date().timeIntervalSince(started)
        return report
    }

    /// Writes the bundle folder `bundle` to `output` as an uncompressed POSIX tar of its three files
    /// (manifest.json first), for `glossa encode --out -`. Extract with `tar -x -C <folder>`.
    public static func writeTar(of bundle: URL, to output: FileHandle) throws {
        for name in [Bundle.manifestFile, Bundle.rowsFile, Bundle.vectorsFile] {
            let path = bundle.appendingPathComponent(name).path
            let size = try BundleWriter.size(path)
            output.write(Data(tarHeader(name: name, size: size)))
            guard let input = FileHandle(forReadingAtPath: path) else {
                throw IngestError.filesystem(path: path, operation: "read", reason: "cannot open it")
            }
            defer { try? input.close() }
            while true {
                let block = input.readData(ofLength: 4 << 20)
                if block.isEmpty { break }
                output.write(block)
            }
            let padding = Int((512 - size % 512) % 512)
            if padding > 0 { output.write(Data(count: padding)) }
        }
        // Two zero blocks end the archive.
        output.write(Data(count: 1024))
    }

    /// A ustar header block: name, mode 0644, size and mtime in octal, checksum over the block.
    static func tarHeader(name: String, size: Int64) -> [UInt8] {
        var block = [UInt8](repeating: 0, count: 512)
        func put(_ text: String, at offset: Int) {
            for (i, byte) in text.utf8.enumerated() { block[offset + i] = byte }
        }
        func octal(_ value: Int64, width: Int) -> String {
            let digits = String(value, radix: 8)
            return String(repeating: "0", count: max(0, width - 1 - digits.count)) + digits
        }
        put(name, at: 0)
        put(octal(0o644, width: 8), at: 100)
        put(octal(0, width: 8), at: 108)
        put(octal(0, width: 8), at: 116)
        put(octal(size, width: 12), at: 124)
        put(octal(0, width: 12), at: 136)
        put("        ", at: 148)
        block[156] = UInt8(ascii: "0")
        put("ustar", at: 257)
        put("00", at: 263)
        let checksum = block.reduce(0) { $0 + Int64($1) }
        put(octal(checksum, width: 7) + "\0", at: 148)
        return block
    }
}
