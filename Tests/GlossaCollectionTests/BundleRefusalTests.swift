// Every bad bundle is refused naming its file and line (rows.jsonl) or row (vectors.f32.npy), and the
// collection it was imported into is unchanged: same counts, verify still passes, nothing half-imported.
import Foundation
import GlossaCollection
import GlossaStore
import Testing

/// One way to break a bundle, and where the refusal must point.
struct BundleDamage: Sendable, CustomTestStringConvertible {
    let name: String
    let file: String
    let line: Int?
    let row: Int?
    let reason: String
    let apply: @Sendable (URL) throws -> Void
    var testDescription: String { name }
}

private func readManifest(_ bundle: URL) throws -> [String: Any] {
    try JSONSerialization.jsonObject(with: Data(contentsOf: bundle.appendingPathComponent("manifest.json"))) as? [String: Any] ?? [:]
}

private func writeManifest(_ bundle: URL, _ manifest: [String: Any]) throws {
    try JSONSerialization.data(withJSONObject: manifest).write(to: bundle.appendingPathComponent("manifest.json"))
}

/// Changes `file` and, with `fix`, records its new size and SHA-256 in the manifest (Glossa's own digest is
/// checked against sha256sum in BundleTests), so that the planted problem is the only one.
private func change(_ bundle: URL, _ file: String, fix: Bool = true, _ body: (inout Data) -> Void) throws {
    let url = bundle.appendingPathComponent(file)
    var data = try Data(contentsOf: url)
    body(&data)
    try data.write(to: url)
    guard fix else { return }
    var manifest = try readManifest(bundle)
    var files = manifest["files"] as? [String: Any] ?? [:]
    files[file] = ["bytes": data.count, "sha256": shaHex(url)]
    manifest["files"] = files
    try writeManifest(bundle, manifest)
}

private func shaHex(_ url: URL) -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
    process.arguments = [url.path]
    let pipe = Pipe()
    process.standardOutput = pipe
    try? process.run()
    let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    return String(output.prefix(64))
}

/// Float `component` of vector `row` (header 128 bytes, as Glossa writes it).
private func withFloat(_ data: inout Data, row: Int, component: Int, dimension: Int, _ body: (inout Float) -> Void) {
    let offset = 128 + (row * dimension + component) * 4
    var value = data[offset..<offset + 4].withUnsafeBytes { $0.loadUnaligned(as: Float.self) }
    body(&value)
    withUnsafeBytes(of: value) { data.replaceSubrange(offset..<offset + 4, with: $0) }
}

private let dimension = BagOfWordsEncoder().dimension
private let rowCount = 40

let bundleDamages: [BundleDamage] = [
    BundleDamage(name: "another model", file: "manifest.json", line: nil, row: nil, reason: "field 'model'") { b in
        var m = try readManifest(b); m["model"] = "multilingual-e5-base"; try writeManifest(b, m)
    },
    BundleDamage(name: "another dimension", file: "manifest.json", line: nil, row: nil, reason: "field 'dimension'") { b in
        var m = try readManifest(b); m["dimension"] = 384; try writeManifest(b, m)
    },
    BundleDamage(name: "a NaN component", file: "vectors.f32.npy", line: nil, row: 3, reason: "nan") { b in
        try change(b, "vectors.f32.npy") { withFloat(&$0, row: 3, component: 5, dimension: dimension) { $0 = .nan } }
    },
    BundleDamage(name: "a vector that is not normalised", file: "vectors.f32.npy", line: nil, row: 4, reason: "L2 norm") { b in
        try change(b, "vectors.f32.npy") { data in
            for c in 0..<dimension { withFloat(&data, row: 4, component: c, dimension: dimension) { $0 *= 1.01 } }
        }
    },
    BundleDamage(name: "more rows in the manifest than in the files", file: "vectors.f32.npy", line: nil, row: nil,
                 reason: "shape") { b in
        var m = try readManifest(b); m["rows"] = rowCount + 1; try writeManifest(b, m)
    },
    BundleDamage(name: "a wrong document count", file: "manifest.json", line: nil, row: nil, reason: "'documents'") { b in
        var m = try readManifest(b); m["documents"] = 3; try writeManifest(b, m)
    },
    BundleDamage(name: "a SHA-256 that does not match", file: "vectors.f32.npy", line: nil, row: nil, reason: "SHA-256") { b in
        // One mantissa bit: the vector stays normalised, only the checksum can tell.
        try change(b, "vectors.f32.npy", fix: false) { withFloat(&$0, row: 7, component: 0, dimension: dimension) {
            $0 = Float(bitPattern: $0.bitPattern ^ 1) } }
    },
    BundleDamage(name: "a truncated .npy", file: "vectors.f32.npy", line: nil, row: rowCount - 1, reason: "truncated") { b in
        try change(b, "vectors.f32.npy") { $0.removeLast(100) }
    },
    BundleDamage(name: "a bad JSON line", file: "rows.jsonl", line: 7, row: nil, reason: "bad JSON") { b in
        try change(b, "rows.jsonl") { data in
            var lines = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
            lines[6] = "{\"id\": \"doc-6\", \"chunk\": 0, "
            data = Data(lines.joined(separator: "\n").utf8)
        }
    },
    BundleDamage(name: "a NUL inside a chunk text", file: "rows.jsonl", line: 3, row: nil, reason: "NUL") { b in
        // Refused before it is stored: SQLite text read back into Swift would end at the NUL.
        try change(b, "rows.jsonl") { data in
            var lines = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
            precondition(lines[2].contains("\"text\":\""), "the row format changed")
            lines[2] = Substring(lines[2].replacingOccurrences(of: "\"text\":\"", with: "\"text\":\"\\u0000"))
            data = Data(lines.joined(separator: "\n").utf8)
        }
    },
    BundleDamage(name: "invalid UTF-8 inside a chunk text", file: "rows.jsonl", line: 4, row: nil, reason: "UTF-8") { b in
        // The first three bytes of a four-byte sequence (an emoji cut short): replaced by U+FFFD they would
        // keep their length, so only the bytes themselves show the damage.
        try change(b, "rows.jsonl") { data in
            var lines = data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map(Array.init)
            let key = Array("\"text\":\"".utf8)
            let at = lines[3].indices.first { lines[3][$0...].starts(with: key) }
            precondition(at != nil, "the row format changed")
            lines[3].insert(contentsOf: [0xF0, 0x9F, 0x98], at: (at ?? 0) + key.count)
            data = Data(lines.joined(separator: [UInt8(ascii: "\n")]))
        }
    },
    BundleDamage(name: "a uid64 that is not the id's", file: "rows.jsonl", line: 2, row: nil, reason: "uid64") { b in
        try change(b, "rows.jsonl") { data in
            var lines = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
            lines[1] = Substring(lines[1].replacingOccurrences(of: "\"uid64\":", with: "\"uid64\":7,\"ignored\":"))
            data = Data(lines.joined(separator: "\n").utf8)
        }
    },
]

@Suite struct BundleRefusalTests {
    @Test("a bad bundle is refused naming file and line or row; the collection is unchanged", arguments: bundleDamages)
    func refused(damage: BundleDamage) throws {
        let folder = try Fixture.folder("refuse")
        // The source: 40 one-chunk documents, exported as the bundle to damage.
        let source = try Fixture.open(folder.appendingPathComponent("source"), backend: FaissBackend())
        _ = try source.ingest(inputs: [try Fixture.jsonl(Fixture.corpus(rowCount), in: folder)], encoder: BagOfWordsEncoder())
        let bundle = folder.appendingPathComponent("bundle")
        _ = try source.exportBundles(to: bundle, perShard: false)
        // The target already holds other documents, which must survive the refusal untouched.
        let target = try Fixture.open(folder.appendingPathComponent("target"), backend: FaissBackend())
        let others = (0..<5).map { i -> [String: Any] in
            var d = Fixture.document(100 + i); d["id"] = "other-\(i)"; return d
        }
        _ = try target.ingest(inputs: [try Fixture.jsonl(others, in: folder, name: "others.jsonl")], encoder: BagOfWordsEncoder())
        try damage.apply(bundle)
        #expect {
            try target.importBundles([bundle])
        } throws: { error in
            guard case IngestError.bundle(let file, let line, let row, let reason) = error else { return false }
            let ok = file.hasSuffix(damage.file) && line == damage.line && (damage.row == nil || row == damage.row)
                && reason.lowercased().contains(damage.reason.lowercased())
            if !ok { print("\(damage.name): got \(error)") }
            return ok
        }
        #expect(try target.store.counts() == (5, 5))
        #expect(try target.verify().isConsistent)
        #expect(try target.store.document(externalID: "doc-0") == nil)
    }
}
