// Value types that cross the GlossaStore boundary. No GRDB type appears here (STYLE.md rule 2):
// GlossaCollection and GlossaSearch see plain structs.
public import GlossaCore

/// The settings a collection was created with; stored as key/value rows in the `manifest` table.
public struct Manifest: Sendable, Equatable {
    /// The model folder's name (e.g. `multilingual-e5-small`); a different model is refused.
    public var modelName: String
    /// Embedding dimension (384 for mE5-small); every stored vector has exactly this many floats.
    public var dimension: Int
    /// The index type as given on the command line (`flat`, `ivf`, `hnsw`, or a FAISS factory string).
    public var indexType: String
    /// Number of shards; a document's chunks live in shard `fnv1a(externalID) % shardCount`.
    public var shardCount: Int
    /// Chunk window and overlap in tokens, fixed at creation so that re-indexing is reproducible.
    public var chunkTokens: Int
    public var chunkOverlap: Int
    /// The Glossa version that created the collection (informational).
    public var createdBy: String
    /// IVF: the nprobe searches use when none is given, chosen by `rebuild --recall-target` (nil: the
    /// index's default, max(8, nlist / 12)).
    public var nprobe: Int?
    /// The encoder precision the stored vectors were made with ("fp32" or "int8"; collections made before the
    /// int8 path have no such key and read as "fp32"). Queries may use either precision.
    public var precision: String

    public init(modelName: String, dimension: Int, indexType: String, shardCount: Int, chunkTokens: Int,
                chunkOverlap: Int, createdBy: String = "glossa 0.1", nprobe: Int? = nil, precision: String = "fp32") {
        self.nprobe = nprobe
        self.precision = precision
        self.modelName = modelName
        self.dimension = dimension
        self.indexType = indexType
        self.shardCount = shardCount
        self.chunkTokens = chunkTokens
        self.chunkOverlap = chunkOverlap
        self.createdBy = createdBy
    }
}

/// A document as stored.
public struct StoredDocument: Sendable, Equatable {
    /// SQLite row id (internal; stable while the document exists).
    public var rowID: Int64
    /// The id given in the input (`id`, `_id`, or the relative path).
    public var externalID: String
    public var title: String?
    public var text: String
    /// Canonical JSON object text (sorted keys).
    public var metadataJSON: String
    /// Hash of what was embedded (title and text), used to skip unchanged documents.
    public var contentHash: String
    public var shard: Int
}

/// A chunk of a document to be inserted, with its vector.
public struct NewChunk: Sendable {
    /// UTF-8 byte offsets of the chunk in the document's text: `text.utf8[start..<end]`.
    public var start: Int
    public var end: Int
    /// The embedding, `dimension` floats, L2-normalised by the encoder.
    public var vector: [Float]
    /// The chunk's lexical terms when the caller analysed its text already (off the writer thread, as a
    /// bulk import does); they must come from the analyzer given to `Store.apply`. nil: analysed there.
    public var terms: LexicalTerms?

    public init(start: Int, end: Int, vector: [Float], terms: LexicalTerms? = nil) {
        self.start = start
        self.end = end
        self.vector = vector
        self.terms = terms
    }
}

/// A document to insert or replace, with its chunks (already embedded).
public struct DocumentWrite: Sendable {
    public var externalID: String
    public var title: String?
    public var text: String
    public var metadata: [String: MetadataValue] {
        didSet { metadataJSON = MetadataValue.canonicalJSON(metadata) }
    }
    /// `metadata` as stored (MetadataValue.canonicalJSON), made when the write is made, where the batch is
    /// planned: the planner compares it with the stored fingerprint, and the writer thread stores it without
    /// encoding it again (JSONEncoder was ~6 % of the writer thread's samples in a 100k-row import).
    public private(set) var metadataJSON: String
    public var contentHash: String
    public var shard: Int
    /// nil means "content unchanged, only update title-free fields (metadata)": chunks are kept.
    public var chunks: [NewChunk]?

    public init(externalID: String, title: String?, text: String, metadata: [String: MetadataValue],
                contentHash: String, shard: Int, chunks: [NewChunk]?) {
        self.externalID = externalID
        self.title = title
        self.text = text
        self.metadata = metadata
        metadataJSON = MetadataValue.canonicalJSON(metadata)
        self.contentHash = contentHash
        self.shard = shard
        self.chunks = chunks
    }
}

/// What one write transaction changed, per shard: the FAISS side applies exactly this delta.
public struct ChangeSet: Sendable, Equatable {
    /// Chunk ids inserted, by shard.
    public var added: [Int: [Int64]] = [:]
    /// Chunk ids removed, by shard.
    public var removed: [Int: [Int64]] = [:]
    /// Documents inserted, replaced, metadata-only updated, and deleted.
    public var documentsInserted = 0
    public var documentsReplaced = 0
    public var documentsUpdated = 0
    public var documentsDeleted = 0

    public init() {}

    /// Adds `other` into this change set.
    public mutating func merge(_ other: ChangeSet) {
        for (shard, ids) in other.added { added[shard, default: []].append(contentsOf: ids) }
        for (shard, ids) in other.removed { removed[shard, default: []].append(contentsOf: ids) }
        documentsInserted += other.documentsInserted
        documentsReplaced += other.documentsReplaced
        documentsUpdated += other.documentsUpdated
        documentsDeleted += other.documentsDeleted
    }
}

/// The SQLite-side state of one shard: `version` increases with every transaction that changes
/// the shard's chunks; `indexedVersion` is the version the shard's FAISS file was written from.
public struct ShardState: Sendable, Equatable {
    public var shard: Int
    public var version: Int64
    public var indexedVersion: Int64?
    public var chunkCount: Int
    /// `ShardFingerprint` of the file written for `indexedVersion` (nil for files written before it was recorded).
    public var fileHash: String? = nil

    /// True when the FAISS file (if any) reflects the current SQLite state of the shard.
    public var isCurrent: Bool { indexedVersion == version }
}

/// A chunk joined with its document, for displaying hits.
public struct ChunkRecord: Sendable, Equatable {
    public var chunkID: Int64
    public var start: Int
    public var end: Int
    public var document: StoredDocument
}

/// A chunk's owning document (row id and external id) and its UTF-8 byte span, without any text:
/// what ranking and grouping need (see `Store.chunkOwners(ids:)`).
public struct ChunkOwner: Sendable, Equatable {
    public var chunkID: Int64
    public var documentRowID: Int64
    public var start: Int
    public var end: Int
    public var externalID: String
}
