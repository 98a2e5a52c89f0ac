// libFuzzer target: `--filter key=value` parsing and metadata JSON. A parsed filter prints back as the same
// text; metadata JSON that decodes re-encodes (canonicalJSON, as stored in SQLite) to text that decodes equal;
// filtering by any of a document's own flattened entries matches it.
import Foundation
import GlossaSearch
import GlossaStore

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

// SwiftPM links a debug executable with `main` renamed to `<module>_main` (so that tests may import it); this is
// that symbol, handing over to libFuzzer's driver. Built without the renaming, libFuzzer's own main runs instead.
@_cdecl("FuzzFilter_main")
public func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var argc = argc
    var argv = argv
    return runFuzzerDriver(&argc, &argv) { data, size in
        guard let data else { return 0 }
        return fuzz(data, size)
    }
}

@_silgen_name("LLVMFuzzerRunDriver")
private func runFuzzerDriver(
    _ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafeRawPointer?, Int) -> CInt
) -> CInt
