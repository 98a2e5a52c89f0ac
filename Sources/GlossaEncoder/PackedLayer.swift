// The exact path's Linear weights packed by oneDNN (GlossaKernels/PackedLinear.swift), cut into the feature
// shares of the encoder's team so that each core computes its columns from its own packed slice.
import GlossaKernels
import GlossaModel

/// One layer's four Linear weights in oneDNN's packed layout; same shapes as their fp32 originals.
struct PackedLayer: @unchecked Sendable {
    /// (3C, C) query | key | value.
    let qkv: PackedLinear
    /// (C, C), (F, C), (C, F)
    let attentionOutput: PackedLinear
    let intermediate: PackedLinear
    let output: PackedLinear

    /// Packs `layer`'s weights in `parts` slices each (`Transformer.featureRanges`).
    init(_ layer: LayerWeights, config: ModelConfig, parts: Int) throws {
        let c = config.hiddenSize
        let f = config.intermediateSize
        func pack(_ weight: UnsafePointer<Float>, _ rows: Int, _ columns: Int) throws -> PackedLinear {
            try PackedLinear(
                weight: weight, outFeatures: rows, inFeatures: columns,
                slices: Transformer.featureRanges(of: rows, parts: parts))
        }
        qkv = try pack(layer.qkvWeight.pointer, 3 * c, c)
        attentionOutput = try pack(layer.attentionOutputWeight.pointer, c, c)
        intermediate = try pack(layer.intermediateWeight.pointer, f, c)
        output = try pack(layer.outputWeight.pointer, c, f)
    }

    /// Packs every layer, or returns nil when oneDNN refuses any weight (the encoder then uses OpenBLAS).
    /// The mmapped fp32 weights stay: split batches still run on OpenBLAS (`Transformer.project`), so the
    /// packed copies cost their size in memory (about 85 MB for mE5-small).
    static func packAll(_ weights: EncoderWeights, config: ModelConfig, parts: Int) -> [PackedLayer]? {
        var packed: [PackedLayer] = []
        for layer in weights.layers {
            guard let one = try? PackedLayer(layer, config: config, parts: parts) else { return nil }
            packed.append(one)
        }
        return packed
    }
}
