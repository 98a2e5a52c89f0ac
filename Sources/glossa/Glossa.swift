// The `glossa` command line: a thin layer that parses arguments, calls one library function per
// command and formats the result. No retrieval logic lives here (STYLE.md, rule 4).
import ArgumentParser

@main
struct Glossa: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "glossa",
        abstract: "Multilingual dense retrieval with the mE5 encoder, FAISS and SQLite.",
        subcommands: [
            // One line per command; keep this list in the order of the README.
            ModelCommand.self,
            TokenizeCommand.self,
            EmbedCommand.self,
            IndexCommand.self,
            ImportCommand.self,
            ExportCommand.self,
            EncodeCommand.self,
            SearchCommand.self,
            DeleteCommand.self,
            InfoCommand.self,
            VerifyCommand.self,
            RebuildCommand.self,
            ServeCommand.self,
            EvalCommand.self,
            BitextCommand.self,
            ConvertXquadCommand.self,
        ]
    )
}
