// Opening a collection for searching from paths: the model folder and the collection folder.
public import Foundation
import GlossaCollection
import GlossaEncoder

extension Searcher {
    /// Loads the encoder from `modelFolder` and opens the collection at `collection` read-only
    /// (FAISS shards; stale or missing shard files are rebuilt in memory from SQLite).
    /// - Throws: `EncoderError` for the model, `IngestError.noSuchCollection`/`.modelMismatch`,
    ///   `StoreError` for the database.
    public convenience init(collection folder: URL, modelFolder: String) throws {
        let encoder = try Encoder(modelFolder: modelFolder)
        let collection = try DocumentCollection(
            folder: folder, model: (encoder.modelName, encoder.dimension), writable: false, backend: FaissBackend())
        self.init(collection: collection, encoder: encoder)
    }
}
