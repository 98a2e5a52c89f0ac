// Hand-written protobuf encoding of a SentencePiece ModelProto (sentencepiece_model.proto), enough
// for a unigram model: pieces with scores and types, a trainer_spec and a normalizer_spec.
// Pieces are raw UTF-8 bytes throughout: never String keys, which would merge canonically
// equivalent pieces.
import Foundation

/// A minimal protobuf (proto2 wire format) encoder.
struct ProtobufWriter {
    private(set) var bytes: [UInt8] = []

    mutating func varint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(v & 0x7F) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    private mutating func key(_ field: Int, wire: Int) { varint(UInt64(field << 3 | wire)) }

    /// int32/enum/bool field; negative values are sign-extended to 10 bytes, as protobuf requires.
    mutating func int(_ field: Int, _ value: Int) {
        key(field, wire: 0)
        varint(UInt64(bitPattern: Int64(value)))
    }

    mutating func bool(_ field: Int, _ value: Bool) { int(field, value ? 1 : 0) }

    mutating func float(_ field: Int, _ value: Float) {
        key(field, wire: 5)
        withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func bytesField<C: Collection>(_ field: Int, _ value: C) where C.Element == UInt8 {
        key(field, wire: 2)
        varint(UInt64(value.count))
        bytes.append(contentsOf: value)
    }

    mutating func string(_ field: Int, _ value: String) { bytesField(field, Array(value.utf8)) }
}

/// One vocabulary entry of a SentencePiece model.
struct SentencePieceEntry {
    enum Kind: Int {
        case normal = 1, unknown = 2, control = 3, userDefined = 4, unused = 5, byte = 6
    }
    let piece: [UInt8]
    let score: Float
    let kind: Kind
}

/// Builds the serialized ModelProto of a unigram model with XLM-R's normaliser settings.
enum SentencePieceModelWriter {
    /// `pieces` in spm id order; `unkID`/`bosID`/`eosID` index into it; `charsmap` is the
    /// nmt_nfkc precompiled_charsmap.
    static func serialize(pieces: [SentencePieceEntry], unkID: Int, bosID: Int, eosID: Int, charsmap: [UInt8])
        -> [UInt8]
    {
        var model = ProtobufWriter()
        for entry in pieces {
            // SentencePiece: 1 piece, 2 score, 3 type.
            var p = ProtobufWriter()
            p.bytesField(1, entry.piece)
            p.float(2, entry.score)
            p.int(3, entry.kind.rawValue)
            model.bytesField(1, p.bytes)
        }
        // TrainerSpec: 3 model_type (UNIGRAM = 1), 4 vocab_size, 40-43 unk/bos/eos/pad ids,
        // 45-48 the special piece spellings.
        var trainer = ProtobufWriter()
        trainer.int(3, 1)
        trainer.int(4, pieces.count)
        trainer.int(40, unkID)
        trainer.int(41, bosID)
        trainer.int(42, eosID)
        // XLM-R's spm model has no <pad>; transformers adds it at model id 1.
        trainer.int(43, -1)
        trainer.string(45, "<unk>")
        trainer.string(46, "<s>")
        trainer.string(47, "</s>")
        trainer.string(48, "<pad>")
        model.bytesField(2, trainer.bytes)
        // NormalizerSpec: 1 name, 2 precompiled_charsmap, 3 add_dummy_prefix,
        // 4 remove_extra_whitespaces, 5 escape_whitespaces.
        var normalizer = ProtobufWriter()
        normalizer.string(1, "nmt_nfkc")
        normalizer.bytesField(2, charsmap)
        normalizer.bool(3, true)
        normalizer.bool(4, true)
        normalizer.bool(5, true)
        model.bytesField(3, normalizer.bytes)
        return model.bytes
    }
}
