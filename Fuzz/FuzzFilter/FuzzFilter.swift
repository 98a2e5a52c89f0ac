// libFuzzer target: `--filter key=value` parsing and metadata JSON. A parsed filter prints back as the same
// text; metadata JSON that decodes re-encodes (canonicalJSON, as stored in SQLite) to text that decodes equal;
// filtering by any of a document's own flattened entries matches it.
import Foundation
import GlossaSearch
import GlossaStore
import FuzzSupport

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: start, count: count)
    let text = String(decoding: bytes, as: UTF8.self)
    do {
        let filter = try MetadataFilter(parsing: text)
        precondition(filter.description == text, "'\(text)' parsed to '\(filter)'")
        precondition(!filter.key.isEmpty, "a filter with an empty key was accepted")
    } catch SearchError.filterHasNUL {
        precondition(text.utf8.contains(0), "a filter without NUL was refused for holding one")
    } catch is SearchError {
        precondition(text.firstIndex(of: Character("=")) == nil || text.first == "=", "a key=value text was refused")
    } catch {
        preconditionFailure("MetadataFilter threw something other than SearchError: \(error)")
    }
    guard let metadata = try? MetadataValue.parseObject(text) else { return 0 }  // `try?`: most inputs are not JSON
    let stored = MetadataValue.canonicalJSON(metadata)
    do {
        let again = try MetadataValue.parseObject(stored)
        precondition(again == metadata, "metadata changed through canonicalJSON: \(stored)")
    } catch {
        preconditionFailure("canonicalJSON wrote text that does not decode: \(stored)")
    }
    for entry in MetadataValue.filterEntries(metadata).prefix(8) {
        precondition(
            MetadataFilter.matches([MetadataFilter(key: entry.key, value: entry.value)], metadata: metadata),
            "a document does not match its own entry \(entry)")
    }
    return 0
}

// MARK: - Entry

// The renamed `main` of a SwiftPM debug executable; see FuzzSupport.
@_cdecl("FuzzFilter_main")
public func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    return runLibFuzzer(argc, argv) { data, size in data.map { fuzz($0, size) } ?? 0 }
}
