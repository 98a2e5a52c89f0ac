// Bundles (glossa import / export): the round trip is exact (same rows, same bytes, same search results),
// and every kind of bad bundle is refused naming its file and line or row, with the collection unchanged.
// Real FAISS and SQLite; the bag-of-words stand-in encodes, so no model is needed.
import Foundation
import GlossaCollection
import GlossaStore
import Testing

/// A collection of `count` documents ingested with small chunks (several per long document), 2 shards.
private func sourceCollection(_ folder: URL, count: Int = 60) throws -> DocumentCollection {
    var documents = Fixture.corpus(count)
    for i in stride(from: 0, to: count, by: 5) {
        documents[i]["text"] = (documents[i]["text"] as? String ?? "") + String(repeating: " more words for chunk \(i)", count: 12)
    }
    documents[1]["metadata"] = ["lang": "en", "n": 1.5, "tags": ["x", "y"], "source": ["name": "wiki"]]
    let collection = try Fixture.open(
        folder.appendingPathComponent("source"), backend: FaissBackend(),
        settings: CollectionSettings(shardCount: 2, chunkTokens: 16, chunkOverlap: 4))
    _ = try collection.ingest(inputs: [try Fixture.jsonl(documents, in: folder)], encoder: BagOfWordsEncoder())
    return collection
}

/// A fresh folder holding `sourceCollection` and its whole-collection export in `bundle/`.
private func exportedSource() throws -> (folder: URL, source: DocumentCollection, bundle: URL) {
    let folder = try Fixture.folder("bundle")
    let source = try sourceCollection(folder)
    let bundle = folder.appendingPathComponent("bundle")
    _ = try source.exportBundles(to: bundle, perShard: false)
    return (folder, source, bundle)
}

private func queries(_ collection: DocumentCollection, count: Int) throws -> [Float] {
    let texts = (0..<count).map { "uniq\($0 % 60) filler\($0 % 23) words chunk" }
    return try BagOfWordsEncoder().embed(texts, kind: .query).flatMap { $0 }
}

private func bytes(_ url: URL) throws -> Data { try Data(contentsOf: url) }

/// Both collections answer `queryCount` queries with the same documents and spans, in order, and the same
/// scores within 1e-6 (chunk ids differ between them; their owners must not).
private func expectSameHits(_ source: DocumentCollection, _ imported: DocumentCollection, queryCount: Int) throws {
    let q = try queries(source, count: queryCount)
    let a = try source.searchChunks(q, k: 10)
    let b = try imported.searchChunks(q, k: 10)
    let ownersA = try source.store.chunkOwners(ids: Array(Set(a.joined().map(\.id))))
    let ownersB = try imported.store.chunkOwners(ids: Array(Set(b.joined().map(\.id))))
    for (x, y) in zip(a, b) {
        #expect(x.map { ownersA[$0.id]?.externalID } == y.map { ownersB[$0.id]?.externalID })
        #expect(x.map { ownersA[$0.id]?.start } == y.map { ownersB[$0.id]?.start })
        for (s, t) in zip(x, y) { #expect(abs(s.score - t.score) <= 1e-6) }
    }
}

/// Rewrites a bundle file and fixes the manifest's size and SHA-256 for it (unless `fixManifest` is false),
/// so that the problem planted is the only one.
private func tamper(_ bundle: URL, _ file: String, fixManifest: Bool = true, _ change: (inout Data) -> Void) throws {
    let url = bundle.appendingPathComponent(file)
    var data = try Data(contentsOf: url)
    change(&data)
    try data.write(to: url)
    guard fixManifest else { return }
    try editManifest(bundle) { manifest in
        var files = manifest["files"] as? [String: Any] ?? [:]
        files[file] = ["bytes": data.count, "sha256": sha256Hex(data)]
        manifest["files"] = files
    }
}

private func editManifest(_ bundle: URL, _ change: (inout [String: Any]) -> Void) throws {
    let url = bundle.appendingPathComponent("manifest.json")
    var manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any] ?? [:]
    change(&manifest)
    try JSONSerialization.data(withJSONObject: manifest).write(to: url)
}

/// SHA-256 via the system's sha256sum (an oracle independent of Glossa's libcrypto call).
private func sha256Hex(_ data: Data) -> String {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("sha-\(UUID().uuidString)")
    try? data.write(to: url)
    defer { try? FileManager.default.removeItem(at: url) }
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

@Suite struct BundleTests {
    @Test("export then import gives the same rows, bytes and search results (ids equal, scores within 1e-6)")
    func roundTrip() throws {
        let folder = try Fixture.folder("bundle")
        let source = try sourceCollection(folder)
        let bundle = folder.appendingPathComponent("bundle")
        let manifest = try #require(try source.exportBundles(to: bundle, perShard: false).first?.manifest)
        let counts = try source.store.counts()
        #expect(manifest.rows == counts.chunks && manifest.documents == counts.documents && manifest.rows > counts.documents)
        #expect(manifest.metadataSchema["lang"] == "string" && manifest.metadataSchema["n"] == "number")
        #expect(manifest.metadataSchema["tags"] == "array<string>" && manifest.metadataSchema["source.name"] == "string")

        let target = folder.appendingPathComponent("target")
        let imported = try DocumentCollection.openForImport(
            folder: target, bundles: [bundle], settings: CollectionSettings(shardCount: 3), backend: FaissBackend())
        // The analyzer the source was indexed with writes the lexical index in the import's transactions.
        let report = try imported.importBundles([bundle], batchRows: 17, analyzer: BagOfWordsEncoder().lexicalAnalyzer)
        #expect(report.inserted == counts.documents && report.rows == counts.chunks)
        let verified = try imported.verify()
        #expect(verified.isConsistent, "\(verified.problems)")
        try expectSameHits(source, imported, queryCount: 1_000)
        // Bit for bit: exporting the imported collection writes the same rows and vectors.
        let again = folder.appendingPathComponent("again")
        _ = try imported.exportBundles(to: again, perShard: false)
        #expect(try bytes(again.appendingPathComponent("rows.jsonl")) == bytes(bundle.appendingPathComponent("rows.jsonl")))
        #expect(try bytes(again.appendingPathComponent("vectors.f32.npy"))
            == bytes(bundle.appendingPathComponent("vectors.f32.npy")))
        // Importing again stores nothing new.
        #expect(try imported.importBundles([bundle]).unchanged == counts.documents)
    }

    // Import keeps trained shard indexes current batch by batch (InFlightShards) until a batch replaces chunks or
    // meets an untrained index; the rest goes through syncShards. Both paths, and their hand-over, end in the same
    // indexes: exactly the stored chunks, and (flat) the source's search results.
    @Test("imports that add, then replace, leave each index holding exactly the stored chunks",
          arguments: ["flat", "ivf"])
    func indexesFollowImports(indexType: String) throws {
        let (folder, source, bundle) = try exportedSource()
        let target = folder.appendingPathComponent("target")
        let imported = try DocumentCollection.openForImport(
            folder: target, bundles: [bundle], settings: CollectionSettings(indexType: indexType, shardCount: 2),
            backend: FaissBackend())
        let lexical = BagOfWordsEncoder().lexicalAnalyzer
        let first = try imported.importBundles([bundle], batchRows: 11, analyzer: lexical)
        #expect(first.inserted == 60 && first.replaced == 0)
        let afterFirst = try imported.verify()
        #expect(afterFirst.isConsistent, "\(afterFirst.problems)")
        // Every third document changed in the source, exported again: the second import replaces those.
        var documents = Fixture.corpus(60)
        for i in stride(from: 0, to: 60, by: 3) { documents[i]["text"] = "changed text \(i) uniq\(i) new words" }
        _ = try source.ingest(inputs: [try Fixture.jsonl(documents, in: folder, name: "changed.jsonl")],
                              encoder: BagOfWordsEncoder())
        let changed = folder.appendingPathComponent("changed")
        _ = try source.exportBundles(to: changed, perShard: false)
        let second = try imported.importBundles([changed], batchRows: 11, analyzer: lexical)
        #expect(second.replaced >= 20, "\(second)")
        let verified = try imported.verify()
        #expect(verified.isConsistent, "\(verified.problems)")
        #expect(try imported.store.counts() == source.store.counts())
        if indexType == "flat" { try expectSameHits(source, imported, queryCount: 200) }
    }

    @Test("the same bundle twice in one import: the second pass finds every document stored, changes nothing")
    func sameBundleTwice() throws {
        let (folder, source, bundle) = try exportedSource()
        let counts = try source.store.counts()
        let target = folder.appendingPathComponent("target")
        let imported = try DocumentCollection.openForImport(
            folder: target, bundles: [bundle, bundle], settings: CollectionSettings(), backend: FaissBackend())
        // One batch per bundle: the first is still being written while the second is read, unless the writer
        // is drained between bundles; a plan made before that write commits would replace every document.
        let report = try imported.importBundles(
            [bundle, bundle], batchRows: 1_000_000, analyzer: BagOfWordsEncoder().lexicalAnalyzer)
        #expect(report.bundles == 2 && report.rows == 2 * counts.chunks)
        #expect(report.inserted == counts.documents && report.unchanged == counts.documents && report.replaced == 0)
        #expect(report.writeSeconds > 0 && report.writeSeconds <= report.storeSeconds)
        #expect(try imported.store.counts() == counts)
        let verified = try imported.verify()
        #expect(verified.isConsistent, "\(verified.problems)")
    }

    @Test("an import killed after the schema but before the manifest: the rerun creates it from the bundle")
    func interruptedCreation() throws {
        let (folder, source, bundle) = try exportedSource()
        let target = folder.appendingPathComponent("target")
        try FileManager.default.createDirectory(at: target, withIntermediateDirectories: true)
        _ = try Store(path: DocumentCollection.databasePath(target))
        #expect(try !DocumentCollection.hasManifest(target))
        let imported = try DocumentCollection.openForImport(
            folder: target, bundles: [bundle], settings: CollectionSettings(shardCount: 3), backend: FaissBackend())
        // The chunking and model come from the bundle, as for a folder that did not exist.
        #expect(imported.manifest.chunkTokens == 16 && imported.manifest.chunkOverlap == 4)
        #expect(imported.manifest.shardCount == 3 && imported.manifest.modelName == source.manifest.modelName)
        _ = try imported.importBundles([bundle], analyzer: BagOfWordsEncoder().lexicalAnalyzer)
        #expect(try imported.store.counts() == source.store.counts())
        #expect(try DocumentCollection.hasManifest(target))
        #expect(try imported.verify().isConsistent)
    }

    @Test("per-shard export: one bundle per shard, all of them import into the same collection")
    func perShard() throws {
        let folder = try Fixture.folder("bundle")
        let source = try sourceCollection(folder)
        let out = folder.appendingPathComponent("shards")
        let written = try source.exportBundles(to: out, perShard: true)
        #expect(written.map(\.folder.lastPathComponent) == ["shard-000", "shard-001"])
        #expect(written.reduce(0) { $0 + $1.manifest.rows } == (try source.store.counts().chunks))
        let target = folder.appendingPathComponent("target")
        let imported = try DocumentCollection.openForImport(
            folder: target, bundles: written.map(\.folder), settings: CollectionSettings(), backend: FaissBackend())
        _ = try imported.importBundles(written.map(\.folder))
        #expect(try imported.store.counts() == source.store.counts())
        let q = try queries(source, count: 50)
        #expect(try imported.searchChunks(q, k: 5).map { $0.map(\.score) } == source.searchChunks(q, k: 5).map { $0.map(\.score) })
    }

    @Test("without document_text the text is rebuilt from the spans; spans that leave a gap are refused")
    func rebuiltText() throws {
        let (folder, source, bundle) = try exportedSource()
        try tamper(bundle, "rows.jsonl") { data in
            var lines = String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
            for i in lines.indices {
                var row = (try? JSONSerialization.jsonObject(with: Data(lines[i].utf8))) as? [String: Any] ?? [:]
                row["document_text"] = nil
                lines[i] = String(decoding: (try? JSONSerialization.data(withJSONObject: row)) ?? Data(), as: UTF8.self)
            }
            data = Data((lines.joined(separator: "\n") + "\n").utf8)
        }
        let target = folder.appendingPathComponent("target")
        let imported = try DocumentCollection.openForImport(
            folder: target, bundles: [bundle], settings: CollectionSettings(), backend: FaissBackend())
        _ = try imported.importBundles([bundle])
        for id in ["doc-0", "doc-5", "doc-7"] {
            #expect(try imported.store.document(externalID: id)?.text == source.store.document(externalID: id)?.text)
        }
        // Now cut bytes out of chunk 1 of doc-0: its span no longer meets chunk 0's.
        let gap = folder.appendingPathComponent("gap")
        try FileManager.default.copyItem(at: bundle, to: gap)
        var lineOfChunk1 = 0
        try tamper(gap, "rows.jsonl") { data in
            var lines = String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
            for i in lines.indices where lines[i].contains("\"doc-0\"") && lines[i].contains("\"chunk\":1") {
                var row = (try? JSONSerialization.jsonObject(with: Data(lines[i].utf8))) as? [String: Any] ?? [:]
                let text = row["text"] as? String ?? ""
                let shift = 200
                row["start"] = (row["start"] as? Int ?? 0) + shift
                row["end"] = (row["end"] as? Int ?? 0) + shift
                row["text"] = text
                lines[i] = String(decoding: (try? JSONSerialization.data(withJSONObject: row)) ?? Data(), as: UTF8.self)
                lineOfChunk1 = i + 1
            }
            data = Data((lines.joined(separator: "\n") + "\n").utf8)
        }
        let fresh = folder.appendingPathComponent("fresh")
        let refused = try DocumentCollection.openForImport(
            folder: fresh, bundles: [gap], settings: CollectionSettings(), backend: FaissBackend())
        #expect {
            try refused.importBundles([gap])
        } throws: { error in
            guard case IngestError.bundle(let file, let line, _, let reason) = error else { return false }
            return file.hasSuffix("rows.jsonl") && line == lineOfChunk1 && reason.contains("uncovered")
        }
        #expect(try refused.store.counts() == (0, 0))
    }
}
