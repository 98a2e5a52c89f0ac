// ModelFolder: each missing or wrong file is named, and a `bert.` prefix is resolved once.
import Foundation
import Testing

@testable import GlossaModel

@Suite struct ModelFolderTests {
    /// A complete tiny folder (hidden 8, 1 layer) whose tensors carry `prefix`.
    func makeFolder(prefix: String = "", skip: Set<String> = []) throws -> URL {
        let dir = try TestFiles.temporaryDirectory()
        let config = try ModelConfig(json: TestFiles.configJSON(), path: "c.json")
        if !skip.contains("config.json") {
            try TestFiles.configJSON().write(to: dir.appendingPathComponent("config.json"))
        }
        if !skip.contains("model.safetensors") {
            let tensors = TensorNames.expectedShapes(for: config).map { name, shape in
                (prefix + name, "F32", shape, TestFiles.bytes([Float](repeating: 0.5, count: shape.reduce(1, *))))
            }
            try TestFiles.safetensors(tensors).write(to: dir.appendingPathComponent("model.safetensors"))
        }
        if !skip.contains("sentencepiece.bpe.model") {
            try Data([0]).write(to: dir.appendingPathComponent("sentencepiece.bpe.model"))
        }
        return dir
    }

    @Test("a prefixed checkpoint resolves TensorNames without rewriting", arguments: ["", "bert.", "roberta."])
    func prefixes(prefix: String) throws {
        let folder = try ModelFolder(path: makeFolder(prefix: prefix).path)
        #expect(folder.tensorPrefix == prefix)
        let ln = try folder.tensor(TensorNames.layer(0).outputLayerNormBias, shape: [8])
        #expect(ln.toArray() == [Float](repeating: 0.5, count: 8))
        #expect(folder.info(TensorNames.layer(0).intermediateWeight)?.shape == [16, 8])
    }

    @Test("each missing file is named", arguments: ["config.json", "model.safetensors", "sentencepiece.bpe.model"])
    func missingFile(file: String) throws {
        let dir = try makeFolder(skip: [file])
        let error = #expect(throws: ModelError.self) { try ModelFolder(path: dir.path) }
        guard case .missingFile(let folder, let named, _) = error else {
            Issue.record("expected missingFile, got \(String(describing: error))")
            return
        }
        #expect(folder == dir.path && named == file)
    }

    @Test("a folder with only pytorch_model.bin says to convert to safetensors")
    func pytorchOnly() throws {
        let dir = try makeFolder(skip: ["model.safetensors"])
        try Data("pickle".utf8).write(to: dir.appendingPathComponent("pytorch_model.bin"))
        let error = #expect(throws: ModelError.self) { try ModelFolder(path: dir.path) }
        #expect(error?.description.contains("pytorch_model.bin") == true)
        #expect(error?.description.contains("safetensors") == true)
    }

    @Test("a path that is not a folder, and weights without word embeddings, are errors")
    func notAFolder() throws {
        #expect(throws: ModelError.self) { try ModelFolder(path: "/nonexistent/model") }
        let dir = try makeFolder(prefix: "encoder_only.")
        #expect(throws: ModelError.self) { try ModelFolder(path: dir.path) }
    }
}
