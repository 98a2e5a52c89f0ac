// libFuzzer target: the corpus readers of `glossa index`. The first byte picks the format (JSON Lines,
// TSV, a folder of .txt/.md files, a BEIR queries file); the rest is the input. Every line must give a
// document or a badInput naming file and line; documents have a non-empty id and non-blank text, and line
// numbers only grow.
import Foundation
import GlossaCollection
import GlossaSearch
import GlossaStore
import FuzzSupport

private let base = "/dev/shm/glossa-fuzz-corpus-\(getpid())"

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    guard count > 0 else { return 0 }
    let bytes = UnsafeRawBufferPointer(start: start, count: count)
    let body = Data(bytes[1...])
    switch bytes[0] % 4 {
    case 0: readFile(body, path: base + ".jsonl")
    case 1: readFile(body, path: base + ".tsv")
    case 2: readFolder(body)
    default: readQueries(body)
    }
    return 0
}

private func check(_ path: String) {
    var lastLine = 0
    do {
        try InputReader.read(path: path) { result in
            switch result {
            case .success(let document):
                precondition(!document.id.isEmpty, "a document with an empty id was accepted")
                precondition(!document.text.allSatisfy(\.isWhitespace), "a blank document was accepted")
                if let line = document.line {
                    precondition(line > lastLine, "line numbers went backwards")
                    lastLine = line
                }
            case .failure(.badInput(let file, let line, _, _)):
                precondition(file.hasPrefix(base), "a bad line names another file: \(file)")
                if let line {
                    precondition(line > lastLine, "line numbers went backwards")
                    lastLine = line
                }
            case .failure(let error):
                preconditionFailure("a per-document problem that is not badInput: \(error)")
            }
        }
    } catch {
        preconditionFailure("reading a readable input threw: \(error)")
    }
}

private func readFile(_ body: Data, path: String) {
    guard FileManager.default.createFile(atPath: path, contents: body) else { return }
    defer { unlink(path) }
    check(path)
}

/// The body as `name NUL content NUL name NUL content …`; names are flattened to one path component.
private func readFolder(_ body: Data) {
    let folder = base + "-folder"
    try? FileManager.default.removeItem(atPath: folder)  // `try?`: a leftover folder may not exist
    guard (try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)) != nil else {
        return
    }
    defer { try? FileManager.default.removeItem(atPath: folder) }  // cleanup only
    let parts = body.split(separator: 0, omittingEmptySubsequences: false)
    var index = 0
    while index + 1 < parts.count, index < 16 {
        let raw = String(decoding: parts[index], as: UTF8.self).replacingOccurrences(of: "/", with: "_")
        let name = (raw.isEmpty || raw.hasPrefix(".") ? "f" + raw : raw).prefix(64)
        let ext = index % 4 == 0 ? ".md" : ".txt"
        FileManager.default.createFile(atPath: folder + "/" + name + ext, contents: Data(parts[index + 1]))
        index += 2
    }
    check(folder)
}

private func readQueries(_ body: Data) {
    let path = base + "-queries.jsonl"
    guard FileManager.default.createFile(atPath: path, contents: body) else { return }
    defer { unlink(path) }
    do {
        for query in try Query.read(path: path) {
            precondition(!query.id.isEmpty && !query.text.allSatisfy(\.isWhitespace), "a blank query was accepted")
        }
    } catch is SearchError {
    } catch {
        preconditionFailure("Query.read threw something other than SearchError: \(error)")
    }
}

// MARK: - Entry

// The renamed `main` of a SwiftPM debug executable; see FuzzSupport.
@_cdecl("FuzzCorpus_main")
public func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    return runLibFuzzer(argc, argv) { data, size in data.map { fuzz($0, size) } ?? 0 }
}
