// One rows.jsonl line parsed and checked, and the consecutive rows of one document put back together
// (its text from `document_text` or rebuilt from the chunk spans).
import Foundation
import GlossaStore

/// A rows.jsonl line as decoded (field names are the format's; read by RowJSON).
struct BundleRow {
    let id: String
    let chunk: Int
    let start: Int
    let end: Int
    let text: String
    let title: String?
    let metadata: [String: MetadataValue]?
    let uid64: Int64?
    let uuid: String?
    let documentText: String?
}

/// Parses and checks rows.jsonl lines.
struct RowParser {
    let file: String
    let dimension: Int

    init(file: String, dimension: Int) {
        self.file = file
        self.dimension = dimension
    }

    func parse(_ bytes: ArraySlice<UInt8>, line: Int) throws -> BundleRow {
        func refuse(_ reason: String) -> IngestError { .bundle(file: file, line: line, reason: reason) }
        let row: BundleRow
        do {
            row = try bytes.withUnsafeBufferPointer { buffer throws(RowJSONProblem) in try RowJSON.parse(buffer) }
        } catch {
            throw refuse("bad JSON row (\(error.reason))")
        }
        guard !row.id.isEmpty else { throw refuse("field 'id' is empty") }
        // Refused as `index` refuses it: SQLite text read back into Swift ends at the first NUL.
        if let field = InputReader.nulField(id: row.id, title: row.title, text: row.text, metadata: row.metadata ?? [:])
            ?? (row.documentText?.containsNUL == true ? "document_text" : nil)
        {
            throw refuse("field '\(field)' \(InputReader.nulReason)")
        }
        guard row.chunk >= 0 else { throw refuse("field 'chunk' is \(row.chunk); ordinals start at 0") }
        guard row.start >= 0, row.start <= row.end else {
            throw refuse("the span start \(row.start) … end \(row.end) is not a byte range")
        }
        guard row.text.utf8.count == row.end - row.start else {
            throw refuse("field 'text' has \(row.text.utf8.count) UTF-8 bytes but the span \(row.start)..<\(row.end) "
                + "has \(row.end - row.start)")
        }
        if row.uid64 != nil || row.uuid != nil {
            // One SHA-1 per row gives both.
            let ids = Bundle.ids(id: row.id, chunk: row.chunk)
            if let uid64 = row.uid64, uid64 != ids.uid64 {
                throw refuse("field 'uid64' is \(uid64), but chunk \(row.chunk) of '\(row.id)' has uid64 \(ids.uid64) "
                    + "(see Bundle.uid64)")
            }
            if let uuid = row.uuid, uuid.lowercased() != ids.uuid {
                throw refuse("field 'uuid' is \(uuid), but chunk \(row.chunk) of '\(row.id)' has uuid \(ids.uuid)")
            }
        }
        return row
    }
}

/// The rows of one document seen so far.
struct PendingDocument {
    let id: String
    let title: String?
    let metadata: [String: MetadataValue]
    let documentText: String?
    let line: Int
    var spans: [Range<Int>] = []
    var texts: [String] = []
    var lines: [Int] = []
    var vectors: [Float] = []

    init(first row: BundleRow, vector: [Float], file: String, line: Int) throws {
        guard row.chunk == 0 else {
            throw IngestError.bundle(file: file, line: line, reason: "document '\(row.id)' starts with chunk \(row.chunk); "
                + "its rows must be consecutive, from chunk 0")
        }
        id = row.id
        title = row.title
        metadata = row.metadata ?? [:]
        documentText = row.documentText
        self.line = line
        try append(row, vector: vector, file: file, line: line)
    }

    mutating func append(_ row: BundleRow, vector: [Float], file: String, line: Int) throws {
        guard row.chunk == spans.count else {
            throw IngestError.bundle(file: file, line: line, reason: "chunk \(row.chunk) of '\(id)' follows chunk "
                + "\(spans.count - 1); a document's chunks must be consecutive, 0, 1, 2, …")
        }
        spans.append(row.start..<row.end)
        texts.append(row.text)
        lines.append(line)
        vectors += vector
    }

    /// The document, its text checked against (or rebuilt from) the chunk spans.
    func assemble(file: String) throws -> BundleDocument {
        var bytes: [UInt8]
        if let documentText {
            bytes = Array(documentText.utf8)
            for (chunk, span) in spans.enumerated() {
                guard span.upperBound <= bytes.count, bytes[span].elementsEqual(texts[chunk].utf8) else {
                    throw IngestError.bundle(file: file, line: lines[chunk], reason: "chunk \(chunk) of '\(id)' "
                        + "(bytes \(span.lowerBound)..<\(span.upperBound)) is not that part of its document_text")
                }
            }
        } else {
            // Without document_text the spans must tile the text from byte 0, overlapping or touching.
            bytes = []
            for (chunk, span) in spans.enumerated() {
                let piece = Array(texts[chunk].utf8)
                guard span.lowerBound <= bytes.count else {
                    throw IngestError.bundle(file: file, line: lines[chunk], reason: "chunk \(chunk) of '\(id)' starts "
                        + "at byte \(span.lowerBound), leaving bytes \(bytes.count)..<\(span.lowerBound) uncovered; "
                        + "without document_text the spans must fit together")
                }
                let shared = min(bytes.count, span.upperBound) - span.lowerBound
                guard bytes[span.lowerBound..<span.lowerBound + shared].elementsEqual(piece[0..<shared]) else {
                    throw IngestError.bundle(file: file, line: lines[chunk], reason: "chunk \(chunk) of '\(id)' "
                        + "disagrees with the chunks before it where their spans overlap")
                }
                if span.upperBound > bytes.count { bytes += piece[shared...] }
            }
        }
        guard let text = String(validating: bytes, as: UTF8.self), !text.allSatisfy(\.isWhitespace) else {
            throw IngestError.bundle(file: file, line: line, reason: "the text of '\(id)' is empty or not valid UTF-8")
        }
        return BundleDocument(id: id, title: title, text: text, metadata: metadata, spans: spans, vectors: vectors,
                              line: line)
    }
}
