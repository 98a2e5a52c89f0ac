// Collections and their documents: list, create, describe; add or update a batch of documents (the
// server chunks, embeds, stores and indexes them), read one, delete one.
import Foundation
import GlossaCollection
import GlossaStore
import Hummingbird

struct CollectionRoutes {
    let state: ServerState

    func add(to router: Router<BasicRequestContext>) {
        router.get("/collections") { _, _ in
            let all = try state.registry.all.map { try Self.summary($0) }
            return try Routes.json(object: ["collections": all])
        }
        router.post("/collections") { request, _ in try await create(request) }
        router.get("/collections/{name}") { _, context in
            let served = try state.registry.collection(try Routes.parameter("name", context))
            let body = try await served.read { served in
                try JSONSerialization.data(withJSONObject: try Self.details(served), options: [.sortedKeys])
            }
            return Routes.raw(body)
        }
        router.put("/collections/{name}/documents") { request, context in
            try await put(request, name: try Routes.parameter("name", context))
        }
        router.get("/collections/{name}/documents/{id}") { _, context in
            let served = try state.registry.collection(try Routes.parameter("name", context))
            let id = try Routes.parameter("id", context)
            guard let document = try await served.read({ try $0.collection.store.document(externalID: id) }) else {
                throw ServerError.notFound("The collection '\(served.name)' has no document '\(id)'.")
            }
            let metadata = try MetadataValue.parseObject(document.metadataJSON)
            return try Routes.json(StoredDocumentBody(id: document.externalID, title: document.title,
                                                      text: document.text, metadata: metadata))
        }
        router.delete("/collections/{name}/documents/{id}") { _, context in
            let served = try state.registry.collection(try Routes.parameter("name", context))
            let id = try Routes.parameter("id", context)
            let deleted = try await served.write { collection in
                let result = try collection.delete(externalIDs: [id], persistShardFiles: false)
                return (result.deleted, result.touchedShards)
            }
            guard deleted > 0 else { throw ServerError.notFound("The collection '\(served.name)' has no document '\(id)'.") }
            return try Routes.json(object: ["deleted": id])
        }
    }

    // MARK: - Handlers

    private func create(_ request: Request) async throws -> Response {
        let fields = try RequestFields(body: try await state.body(of: request))
        try fields.rejectUnknown(allowed: ["name", "index_type", "shards", "chunk_tokens", "chunk_overlap"])
        let name = try fields.requiredString("name")
        let settings = CollectionSettings(
            indexType: try fields.string("index_type"), shardCount: try fields.int("shards", in: 1...4096),
            chunkTokens: try fields.int("chunk_tokens", in: 1...100_000),
            chunkOverlap: try fields.int("chunk_overlap", in: 0...100_000),
            precision: state.configuration.precision.rawValue)
        let served: ServedCollection
        do {
            served = try state.registry.create(name: name, settings: settings)
        } catch let error as IngestError {
            throw Self.settingError(error)
        }
        return try Routes.json(object: try Self.details(served), status: .created)
    }

    private func put(_ request: Request, name: String) async throws -> Response {
        let served = try state.registry.collection(name)
        guard served.isWritable else { throw ServerError.readOnlyCollection(name) }
        let fields = try RequestFields(body: try await state.body(of: request))
        try fields.rejectUnknown(allowed: ["documents"])
        guard let items = try fields.array("documents") else { throw fields.bad("documents", "is required") }
        guard !items.isEmpty else { throw fields.bad("documents", "is empty; send at least one document") }
        try state.checkInputCount(items.count, param: "documents")
        let documents = try items.enumerated().map { index, item in try Self.document(item, index: index) }
        let started = ContinuousClock.now
        let report = try await served.write { collection in
            let (report, touched) = try collection.upsert(documents, encoder: state.scheduled, persistShardFiles: false)
            return (report, touched)
        }
        state.metrics.recordStage("store", ContinuousClock.now - started)
        return try Routes.json(object: [
            "inserted": report.inserted, "replaced": report.replaced, "metadata_updated": report.metadataUpdated,
            "unchanged": report.unchanged, "duplicates": report.duplicates, "chunks_embedded": report.chunksEmbedded,
        ])
    }

    /// One element of `documents`, checked by the same rules as a JSON Lines corpus line.
    static func document(_ item: MetadataValue, index: Int) throws -> InputDocument {
        let place = "documents[\(index)]"
        guard case .object(let object) = item else {
            throw ServerError.badRequest(param: place, message: "Field '\(place)' must be a JSON object with id and text.")
        }
        switch InputReader.document(object, file: place, line: nil) {
        case .success(let document): return document
        case .failure(.badInput(_, _, let field, let reason)):
            let param = field.map { place + "." + $0 } ?? place
            throw ServerError.badRequest(param: param, message: "Field '\(param)': \(reason).")
        case .failure(let error): throw ServerError.badRequest(param: place, message: error.description)
        }
    }

    /// A refused setting (index type, chunk sizes) as a 400 naming the field.
    private static func settingError(_ error: IngestError) -> ServerError {
        if case .invalidOption(let name, _, _) = error {
            let param = name.replacingOccurrences(of: "--", with: "").replacingOccurrences(of: "-", with: "_")
            return .badRequest(param: param == "shards" ? "shards" : param, message: error.description)
        }
        return .badRequest(param: nil, message: error.description)
    }

    // MARK: - Bodies

    static func summary(_ served: ServedCollection) throws -> [String: Any] {
        let manifest = served.collection.manifest
        let counts = try served.collection.store.counts()
        return [
            "name": served.name, "documents": counts.documents, "chunks": counts.chunks,
            "index_type": manifest.indexType, "shards": manifest.shardCount, "model": manifest.modelName,
            "dimension": manifest.dimension, "writable": served.isWritable,
        ]
    }

    static func details(_ served: ServedCollection) throws -> [String: Any] {
        let info = try served.collection.info()
        var body = try summary(served)
        body["chunk_tokens"] = info.chunkTokens
        body["chunk_overlap"] = info.chunkOverlap
        body["shard_chunks"] = info.shardChunks
        body["shard_file_bytes"] = info.shardFileBytes
        body["database_bytes"] = info.databaseBytes
        body["indexed_chunks"] = served.collection.indexedChunks
        return body
    }
}

/// `GET /collections/{name}/documents/{id}`.
struct StoredDocumentBody: Encodable {
    var id: String
    var title: String?
    var text: String
    var metadata: [String: MetadataValue]

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        // null rather than absent, as in search hits.
        try container.encode(title, forKey: .title)
        try container.encode(text, forKey: .text)
        try container.encode(metadata, forKey: .metadata)
    }

    enum CodingKeys: String, CodingKey { case id, title, text, metadata }
}
