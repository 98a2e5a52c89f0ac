// Opening a collection for searching from paths: the model folder and the collection folder.
public import Foundation
import GlossaCollection
public import GlossaEncoder

extension Searcher {
    /// Loads the encoder from `modelFolder` and opens the collection at `collection` read-only
    /// (FAISS shards; stale or missing shard files are rebuilt in memory from SQLite).
    /// - Throws: `EncoderError` for the model, `IngestError.noSuchCollection`/`.modelMismatch`,
    ///   `StoreError` for the database. `precision` is the query encoder's, whichever the collection was built with.
    public convenience init(collection folder: URL, modelFolder: String, precision: Precision = .fp32) throws {
        let encoder = try Encoder(modelFolder: modelFolder, precision: precision)
        let collection = try DocumentCollection(
            folder: folder, model: (encoder.modelName, encoder.dimension), writable: false, backend: FaissBackend())
        self.init(collection: collection, encoder: encoder)
    }
}
