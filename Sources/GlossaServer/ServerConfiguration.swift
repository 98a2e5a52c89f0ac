// Everything `glossa serve` can be told, with the defaults a single-machine deployment wants.
public import Foundation
public import GlossaCore
public import GlossaEncoder

/// The settings of one server. Every field has a default; the CLI maps its flags onto them.
public struct ServerConfiguration: Sendable {
    /// Address to bind: loopback unless told otherwise.
    public var host = "127.0.0.1"
    /// Port to bind; 0 picks a free one (the bound port is printed and given to `onListening`).
    public var port = 8080
    /// The model folder (loaded once, shared by every route).
    public var modelFolder = ModelLocation.defaultPath
    /// The encoder's arithmetic for every route; collections created through POST /collections record it.
    public var precision: Precision = .fp32
    /// Folders of collections to serve; empty: every collection under `root`.
    public var collections: [URL] = []
    /// Where `POST /collections` creates collections (and, with no `collections`, what is served).
    public var root = URL(fileURLWithPath: "Indexes")
    /// With a key, every route but /health, /ready and the static pages needs `Authorization: Bearer <key>`.
    public var apiKey: String?
    /// A key that may search and embed but not write.
    public var readOnlyKey: String?
    /// The prefix of /v1/embeddings inputs that say no `input_type`.
    public var defaultInputType: TextKind = .query
    /// Largest request body accepted (413 above).
    public var maxBodyBytes = 32 * 1024 * 1024
    /// Most inputs (texts, token arrays, queries, documents) in one request (422 above); OpenAI's limit.
    public var maxInputs = 2048
    /// Sequences queued for the encoder at most (429 above).
    public var maxQueuedInputs = 16_384
    /// Deadline of a search or embedding request's encoder work; a write's is `writeTimeout`.
    public var requestTimeout: Duration = .seconds(30)
    public var writeTimeout: Duration = .seconds(600)
    /// A request body must have arrived this long after its handler started (408 after).
    public var readTimeout: Duration = .seconds(30)
    /// Connections idle this long are closed.
    public var idleTimeout: Duration = .seconds(60)
    /// Micro-batching of concurrent requests into shared forward passes.
    public var batching = true
    /// The interactive lane (searches and small embedding requests before bulk work).
    public var lanes = true
    /// How long a pass may wait for more texts, from the oldest text's arrival.
    public var batchWait: Duration = .milliseconds(2)
    /// Requests with at most this many inputs go in the interactive lane.
    public var interactiveMaxInputs = 32
    /// Encoder threads (nil: one per core).
    public var threads: Int?

    public init() {}
}
