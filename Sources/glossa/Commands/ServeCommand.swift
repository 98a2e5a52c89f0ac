// `glossa serve`: the HTTP service. Parsing only; the server is GlossaServer's `GlossaServer.run`.
import ArgumentParser
import Foundation
import GlossaCore
import GlossaServer

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve search, documents and OpenAI-compatible embeddings over HTTP.",
        discussion: """
            Loads the model once and serves the given collection folders (a bare name means Indexes/<name>), \
            or every collection under --root. Routes: GET /docs lists them (OpenAPI at /openapi.json), GET / \
            is a search page. SIGTERM or Ctrl-C stops it gracefully (in-flight requests finish). Binds to \
            127.0.0.1 unless --host says otherwise.
            """)

    @Argument(help: "Collections to serve (default: every collection under --root).") var collections: [String] = []
    @Option(name: .long, help: "Folder of collections; POST /collections creates them here.") var root = "Indexes"
    @Option(name: .long, help: "Address to bind.") var host = "127.0.0.1"
    @Option(name: .long, help: "Port (0: any free port; the bound one is printed).") var port = 8080
    @OptionGroup var model: ModelOption
    @OptionGroup var precision: PrecisionOption
    @Option(name: .long, help: "File holding the API key every route but /health and /ready requires.")
    var apiKeyFile: String?
    @Option(name: .long, help: "File holding a key that may search and embed but not write.")
    var readOnlyKeyFile: String?
    @Option(name: .long, help: "Prefix of /v1/embeddings inputs with no input_type: query or passage.")
    var defaultInputType = "query"
    @Option(name: .long, help: "Largest request body in bytes (413 above).") var maxBodyBytes = 32 * 1024 * 1024
    @Option(name: .long, help: "Most inputs or documents per request (422 above).") var maxInputs = 2048
    @Option(name: .long, help: "Most texts waiting for the encoder (429 above).") var maxQueuedInputs = 16_384
    @Option(name: .long, help: "Seconds a search or embedding may wait for the encoder (504 after).")
    var requestTimeout: Double = 30
    @Option(name: .long, help: "Seconds a document write may wait for the encoder.") var writeTimeout: Double = 600
    @Option(name: .long, help: "Seconds a request body may take to arrive (408 after).") var readTimeout: Double = 30
    @Option(name: .long, help: "Seconds before an idle connection is closed.") var idleTimeout: Double = 60
    @Option(name: .long, help: "Micro-batch concurrent requests into shared forward passes: on or off.")
    var batching = "on"
    @Option(name: .long, help: "Searches and small requests before bulk work: on or off.") var lanes = "on"
    @Option(name: .long, help: "Milliseconds a forward pass may wait to fill up.") var batchWaitMs: Double = 2
    @Option(name: .long, help: "Encoder threads (default: one per core).") var threads: Int?

    func validate() throws {
        guard (0...65_535).contains(port) else { throw ValidationError("--port must be in 0...65535.") }
        guard ["query", "passage"].contains(defaultInputType) else {
            throw ValidationError("--default-input-type must be query or passage.")
        }
        for (name, value) in [("--batching", batching), ("--lanes", lanes)] where !["on", "off"].contains(value) {
            throw ValidationError("\(name) must be on or off.")
        }
        guard maxBodyBytes >= 1024, maxInputs >= 1, maxQueuedInputs >= 1 else {
            throw ValidationError("--max-body-bytes must be at least 1024; --max-inputs and --max-queued-inputs at least 1.")
        }
        guard requestTimeout > 0, writeTimeout > 0, readTimeout > 0, idleTimeout > 0, batchWaitMs >= 0 else {
            throw ValidationError("Timeouts must be positive and --batch-wait-ms not negative.")
        }
    }

    func run() async throws {
        var configuration = ServerConfiguration()
        configuration.host = host
        configuration.port = port
        configuration.modelFolder = model.folder
        configuration.precision = precision.value
        configuration.root = URL(fileURLWithPath: root)
        configuration.collections = collections.map { CollectionArgument.folder(of: $0) }
        configuration.apiKey = try apiKeyFile.map { try Self.readKey($0, option: "--api-key-file") }
        configuration.readOnlyKey = try readOnlyKeyFile.map { try Self.readKey($0, option: "--read-only-key-file") }
        configuration.defaultInputType = defaultInputType == "passage" ? .passage : .query
        configuration.maxBodyBytes = maxBodyBytes
        configuration.maxInputs = maxInputs
        configuration.maxQueuedInputs = maxQueuedInputs
        configuration.requestTimeout = .milliseconds(Int64(requestTimeout * 1000))
        configuration.writeTimeout = .milliseconds(Int64(writeTimeout * 1000))
        configuration.readTimeout = .milliseconds(Int64(readTimeout * 1000))
        configuration.idleTimeout = .milliseconds(Int64(idleTimeout * 1000))
        configuration.batching = batching == "on"
        configuration.lanes = lanes == "on"
        configuration.batchWait = .microseconds(Int64(batchWaitMs * 1000))
        configuration.threads = threads
        try await GlossaServer.run(configuration) { host, port in
            // Written straight to the file descriptor: scripts wait for this line, so it must not sit in a buffer.
            let line = "glossa serve: listening on http://\(host.contains(":") ? "[\(host)]" : host):\(port)\n"
            FileHandle.standardOutput.write(Data(line.utf8))
        }
    }

    /// The first line of `path`, trimmed; an empty or unreadable file is an error naming it.
    static func readKey(_ path: String, option: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw ValidationError("\(option): cannot read \(path).")
        }
        let key = text.split(whereSeparator: \.isNewline).first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        guard !key.isEmpty else { throw ValidationError("\(option): \(path) holds no key.") }
        return key
    }
}
