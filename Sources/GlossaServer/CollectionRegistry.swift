// The collections a server serves, by name (a collection's name is its folder's name). Names that come
// over HTTP are checked against one pattern before any path is built from them, so a request can never
// reach outside the collections folder (`..`, `/`, NUL, dot-files).
import Foundation
import GlossaCollection
import GlossaCore
import GlossaEncoder

/// Thread safety: lookups and creation may run from any task.
final class CollectionRegistry: @unchecked Sendable {
    /// Where `POST /collections` creates collections.
    let root: URL
    private let encoder: ScheduledEncoder
    private let lock = NSLock()
    private var byName: [String: ServedCollection] = [:]

    init(root: URL, encoder: ScheduledEncoder) {
        self.root = root
        self.encoder = encoder
    }

    /// 1–128 characters from `A-Z a-z 0-9 . _ -`, not starting with a dot.
    static func isValidName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard (1...128).contains(bytes.count), bytes[0] != UInt8(ascii: ".") else { return false }
        return bytes.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
        }
    }

    /// Opens the collection in `folder` and serves it under its folder's name. Opens it read-only when this
    /// process cannot write it (another process holds its lock, or the folder is not writable).
    @discardableResult
    func open(folder: URL) throws -> ServedCollection {
        let name = folder.standardizedFileURL.lastPathComponent
        guard Self.isValidName(name) else {
            throw ServerError.badRequest(param: "collection", message:
                "The collection folder name '\(name)' cannot be served: names are 1-128 characters of "
                + "A-Z a-z 0-9 . _ - and do not start with a dot.")
        }
        let model = (encoder.modelName, encoder.dimension)
        let collection: DocumentCollection
        do {
            // The analyzer keeps the lexical index current on deletes (and builds it for an older collection).
            collection = try DocumentCollection(folder: folder, model: model, writable: true, backend: FaissBackend(),
                                                analyzer: encoder.lexicalAnalyzer)
        } catch IngestError.busy, IngestError.filesystem {
            collection = try DocumentCollection(folder: folder, model: model, writable: false, backend: FaissBackend(),
                                                analyzer: encoder.lexicalAnalyzer)
        }
        let served = ServedCollection(name: name, collection: collection, encoder: encoder)
        lock.lock()
        defer { lock.unlock() }
        if byName[name] != nil {
            throw ServerError.conflict("Two collections named '\(name)' were given; a collection's name is its "
                + "folder's name, so serve folders with different names.")
        }
        byName[name] = served
        return served
    }

    /// Folders of collections being created: a dot-name, so never listed or served.
    static let stagingPrefix = ".creating-"

    /// Removes the staging folders that a crash during `create` left behind.
    func removeAbandonedStaging() {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []
        // `try?`: a missing root has nothing to clean.
        for entry in entries where entry.hasPrefix(Self.stagingPrefix) {
            try? FileManager.default.removeItem(at: root.appendingPathComponent(entry))
        }
    }

    /// Every folder under `root` that holds a collection, by name.
    func collectionFolders() -> [URL] {
        let entries = (try? FileManager.default.contentsOfDirectory(at: root, includingPropertiesForKeys: nil)) ?? []
        // `try?`: a missing root simply holds no collections yet.
        return entries.filter { url in
            Self.isValidName(url.lastPathComponent)
                && FileManager.default.fileExists(atPath: DocumentCollection.databasePath(url))
        }.sorted { $0.lastPathComponent < $1.lastPathComponent }
    }

    /// The served collection `name`.
    /// - Throws: `ServerError.notFound` naming it.
    func collection(_ name: String) throws -> ServedCollection {
        lock.lock()
        defer { lock.unlock() }
        guard let served = byName[name] else {
            throw ServerError.notFound("No collection named '\(name)' is served; GET /collections lists them.")
        }
        return served
    }

    var all: [ServedCollection] {
        lock.lock()
        defer { lock.unlock() }
        return byName.values.sorted { $0.name < $1.name }
    }

    /// Creates `root/<name>` with `settings` and serves it.
    /// - Throws: `ServerError.badRequest` for a bad name, `.conflict` when it exists, `IngestError` for bad settings.
    func create(name: String, settings: CollectionSettings) throws -> ServedCollection {
        guard Self.isValidName(name) else {
            throw ServerError.badRequest(param: "name", message:
                "Invalid collection name '\(name)': use 1-128 characters of A-Z a-z 0-9 . _ - , not starting with a dot.")
        }
        lock.lock()
        defer { lock.unlock() }
        let folder = root.appendingPathComponent(name, isDirectory: true)
        if byName[name] != nil || FileManager.default.fileExists(atPath: folder.path) {
            throw ServerError.conflict("A collection named '\(name)' exists already.")
        }
        let model = (encoder.modelName, encoder.dimension)
        // Made under a dot-name (never served) and renamed into place once complete and closed, so a crash
        // mid-way leaves no half-made collection under its real name.
        let staging = root.appendingPathComponent(Self.stagingPrefix + name + "-" + UUID().uuidString, isDirectory: true)
        do {
            try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
            _ = try DocumentCollection(folder: staging, model: model, create: settings, writable: true,
                                       backend: FaissBackend(), analyzer: encoder.lexicalAnalyzer)
            try FileManager.default.moveItem(at: staging, to: folder)
        } catch {
            try? FileManager.default.removeItem(at: staging)
            // `try?`: the staging folder may not exist; the error that matters is the one thrown below.
            if case IngestError.invalidOption = error { throw error }
            if FileManager.default.fileExists(atPath: folder.path) {
                throw ServerError.conflict("A collection named '\(name)' exists already.")
            }
            throw error
        }
        let collection = try DocumentCollection(folder: folder, model: model, writable: true, backend: FaissBackend(),
                                                analyzer: encoder.lexicalAnalyzer)
        let served = ServedCollection(name: name, collection: collection, encoder: encoder)
        byName[name] = served
        return served
    }
}
