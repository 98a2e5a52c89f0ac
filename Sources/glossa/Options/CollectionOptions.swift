// Shared options of the collection commands (index, search, delete, info, verify, rebuild).
import ArgumentParser
import Foundation
import GlossaCollection
import GlossaCore
import GlossaEncoder
import GlossaSearch
import GlossaLexical
import GlossaModel
import GlossaTokenizer

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

    /// The lexical analyzer over this model's sentencepiece file, without loading the encoder (rebuild,
    /// verify and delete need the pieces, not the forward pass); the same analyzer the encoder gives.
    func analyzer() throws -> LexicalAnalyzer {
        let modelFolder = try ModelFolder(path: folder)
        return LexicalAnalyzer(tokenizer: try Tokenizer(modelPath: modelFolder.tokenizerModelPath))
    }
}

/// `--precision fp32|int8`, shared by the commands that encode (embed, index, search, serve).
struct PrecisionOption: ParsableArguments {
    @Option(name: .long, help: "Encoder arithmetic: fp32 (default, the reference) or int8 (faster, approximate).")
    var precision: String?

    /// The precision given on the command line, nil when the option was left out (validated first).
    var given: Precision? { precision.flatMap(Precision.init(rawValue:)) }

    /// The given precision, or fp32 when the option was left out.
    var value: Precision { given ?? .fp32 }

    func validate() throws {
        if let precision, Precision(rawValue: precision) == nil {
            throw ValidationError("--precision must be fp32 or int8, not '\(precision)'.")
        }
    }
}

/// `--mode` and `--fusion`, shared by `search` and `eval`.
struct SearchModeOptions: ParsableArguments {
    @Option(name: .long, help: "dense (mE5 vectors), lexical (the FTS5 index) or hybrid (both, fused).")
    var mode: String = "dense"
    @Option(name: .long, help: "Hybrid fusion: rrf, rrf:K, convex or convex:ALPHA (ALPHA weights dense).")
    var fusion: String = "convex:0.5"

    var searchMode: SearchMode { SearchMode(rawValue: mode) ?? .dense }
    var parsedFusion: Fusion { (try? Fusion(parsing: fusion)) ?? .standard }

    func validate() throws {
        guard SearchMode(rawValue: mode) != nil else {
            throw ValidationError("--mode must be dense, lexical or hybrid, not '\(mode)'.")
        }
        do { _ = try Fusion(parsing: fusion) } catch { throw ValidationError("\(error)") }
    }
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
