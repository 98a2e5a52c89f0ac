// A collection records the encoder precision it was built with: the manifest keeps it across reopening, info
// shows it, adding documents with the other precision is refused naming --precision, and a collection without
// the key (made before the int8 path) reads as fp32.
import Foundation
import GlossaCollection
import GlossaStore
import Testing

@Suite struct PrecisionTests {
    @Test("the precision given at creation is recorded, shown by info, and enforced on later writes")
    func recorded() throws {
        let folder = try Fixture.folder().appendingPathComponent("c")
        let encoder = BagOfWordsEncoder()
        do {
            let created = try DocumentCollection(
                folder: folder, model: (encoder.modelName, encoder.dimension),
                create: CollectionSettings(precision: "int8"), writable: true, backend: ExactBackend())
            #expect(created.manifest.precision == "int8")
        }
        let reader = try DocumentCollection(folder: folder, model: nil, writable: false, backend: ExactBackend())
        #expect(reader.manifest.precision == "int8")
        #expect(try reader.info().precision == "int8")
        #expect {
            try DocumentCollection(
                folder: folder, model: (encoder.modelName, encoder.dimension),
                create: CollectionSettings(precision: "fp32"), writable: true, backend: ExactBackend())
        } throws: { error in
            guard case IngestError.settingMismatch = error else { return false }
            return "\(error)".contains("--precision") && "\(error)".contains("int8")
        }
        // The same precision is accepted.
        _ = try DocumentCollection(
            folder: folder, model: (encoder.modelName, encoder.dimension),
            create: CollectionSettings(precision: "int8"), writable: true, backend: ExactBackend())
    }

    @Test("a collection created without a precision is fp32")
    func defaultIsFloat() throws {
        let folder = try Fixture.folder().appendingPathComponent("c")
        let encoder = BagOfWordsEncoder()
        let created = try DocumentCollection(
            folder: folder, model: (encoder.modelName, encoder.dimension), create: CollectionSettings(),
            writable: true, backend: ExactBackend())
        #expect(created.manifest.precision == "fp32")
        #expect(try created.info().precision == "fp32")
    }
}
