// `glossa verify`: SQLite and the shard files agree; exit 1 with a report otherwise.
import ArgumentParser
import Foundation
import GlossaCollection

struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify", abstract: "Check that the database, the shard files and the lexical index agree (exit 1 if not).")

    @OptionGroup var target: CollectionArgument
    @OptionGroup var model: ModelOption

    func run() throws {
        let collection = try DocumentCollection(
            folder: target.folder, model: nil, writable: false, loadShards: false, backend: FaissBackend())
        let report = try collection.verify(analyzer: try model.analyzer())
        print(report)
        if !report.isConsistent { throw ExitCode(1) }
    }
}
