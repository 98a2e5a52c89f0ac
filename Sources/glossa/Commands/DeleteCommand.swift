// `glossa delete`: remove documents by id (SQLite first, then the shard files).
import ArgumentParser
import Foundation
import GlossaCollection

struct DeleteCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "delete", abstract: "Delete documents by id.")

    @OptionGroup var target: CollectionArgument
    @Argument(help: "Document ids.") var ids: [String]
    @OptionGroup var model: ModelOption

    func validate() throws {
        guard !ids.isEmpty else { throw ValidationError("Give at least one document id.") }
    }

    func run() throws {
        // The analyzer removes the documents' terms from the lexical index in the same transaction.
        let collection = try DocumentCollection(folder: target.folder, model: nil, writable: true, backend: FaissBackend(),
                                                analyzer: try model.analyzer(), showProgress: true)
        let (deleted, missing) = try collection.delete(externalIDs: ids)
        print("deleted \(deleted) documents")
        if !missing.isEmpty { print("not found: " + missing.joined(separator: ", ")) }
    }
}
