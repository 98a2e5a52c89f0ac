// Shared options of the collection commands (index, search, delete, info, verify, rebuild).
import ArgumentParser
import Foundation
import GlossaCollection
import GlossaCore

/// The collection argument: a bare name means `Indexes/<name>`; anything with a `/` is a folder path.
struct CollectionArgument: ParsableArguments {
    @Argument(help: "Collection: a name (stored in Indexes/<name>) or a folder path.")
    var collection: String

    var folder: URL { Self.folder(of: collection) }

    /// A bare name means `Indexes/<name>`; anything with a `/` (or `.`, `..`) is a folder path.
    static func folder(of collection: String) -> URL {
        if collection.contains("/") || collection == "." || collection == ".." {
            return URL(fileURLWithPath: collection)
        }
        return URL(fileURLWithPath: "Indexes").appendingPathComponent(collection)
    }

    func validate() throws {
        guard !collection.isEmpty else { throw ValidationError("The collection name is empty.") }
    }
}

/// `--model <dir>`.
struct ModelOption: ParsableArguments {
    @Option(name: .long, help: "Model folder (default: $GLOSSA_MODEL, then \(ModelLocation.defaultPath)).")
    var model: String?

    var folder: String { ModelLocation.resolve(model) }
}

extension DocumentCollection {
    /// Tells the user on standard error which shard files were not trusted on open and why (each was rebuilt
    /// from SQLite, so the answers are right, but a repeated note means the files keep being replaced).
    func reportShardRepairs() {
        for repair in shardRepairs {
            FileHandle.standardError.write(Data("glossa: \(folder.path): \(repair)\n".utf8))
        }
    }
}
