// Probes, limits, metrics, the OpenAPI document and the two pages.
import Foundation
import Hummingbird

struct SystemRoutes {
    let state: ServerState

    func add(to router: Router<BasicRequestContext>) {
        router.get("/health") { _, _ in try Routes.json(object: ["status": "ok"]) }
        router.get("/ready") { _, _ in
            guard state.isReady else {
                throw ServerError.unavailable("Not ready: the model's first forward pass has not finished.")
            }
            return try Routes.json(object: ["status": "ready"])
        }
        router.get("/info") { _, _ in try Routes.json(object: info()) }
        router.get("/metrics") { _, _ in
            for served in state.registry.all {
                if let counts = try? served.collection.store.counts() {
                    // `try?`: a failed count leaves the gauge at its last value.
                    state.metrics.setDocuments(collection: served.name, count: counts.documents)
                }
            }
            return Routes.text(state.metrics.exposition(), contentType: "text/plain; version=0.0.4; charset=utf-8")
        }
        // What OpenAI tools ask before they embed: the one model served.
        router.get("/v1/models") { _, _ in
            try Routes.json(object: ["object": "list", "data": [
                ["id": state.encoder.modelName, "object": "model", "created": 0, "owned_by": "glossa"],
            ]])
        }
        // A known path with the wrong method says which methods it takes.
        for (path, allowed) in [("/v1/embeddings", "POST"), ("/embeddings", "POST"),
                                ("/collections/{name}/search", "POST"), ("/collections/{name}/documents", "PUT")] {
            router.get(RouterPath(path)) { _, _ -> Response in throw ServerError.methodNotAllowed(allowed: allowed) }
        }
        router.get("/openapi.json") { _, _ in
            Routes.text(OpenAPIDocument.json, contentType: "application/json; charset=utf-8")
        }
        router.get("/docs") { _, _ in Routes.text(Pages.docs, contentType: "text/html; charset=utf-8") }
        router.get("/") { _, _ in Routes.text(Pages.search, contentType: "text/html; charset=utf-8") }
    }

    /// What a client needs to size its requests.
    private func info() -> [String: Any] {
        let configuration = state.configuration
        return [
            "model": state.encoder.modelName,
            "dimension": state.encoder.dimension,
            "max_tokens": state.encoder.maxSequenceLength,
            "max_inputs": configuration.maxInputs,
            "max_body_bytes": configuration.maxBodyBytes,
            "max_queued_inputs": configuration.maxQueuedInputs,
            "interactive_max_inputs": configuration.interactiveMaxInputs,
            "request_timeout_seconds": EmbeddingScheduler.seconds(configuration.requestTimeout),
            "default_input_type": configuration.defaultInputType == .passage ? "passage" : "query",
            "batching": configuration.batching,
            "lanes": configuration.lanes,
            "collections": state.registry.all.map(\.name),
            "auth": configuration.apiKey != nil || configuration.readOnlyKey != nil,
        ]
    }
}
