// The exact path's Linear weights packed by oneDNN (GlossaKernels/PackedLinear.swift): cut into the feature
// shares of the encoder's team, so that each core computes its columns of a shared product from its own packed
// slice, and whole, for the groups of a split batch that each core runs alone.
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

    /// Packs `layer`'s weights in `parts` slices each (`Transformer.featureRanges`), each slice with `lanes`
    /// lanes (one per thread that may use it at once).
    init(_ layer: LayerWeights, config: ModelConfig, parts: Int, lanes: Int) throws {
        let c = config.hiddenSize
        let f = config.intermediateSize
        func pack(_ weight: UnsafePointer<Float>, _ rows: Int, _ columns: Int) throws -> PackedLinear {
            try PackedLinear(
                weight: weight, outFeatures: rows, inFeatures: columns,
                slices: Transformer.featureRanges(of: rows, parts: parts), lanes: lanes)
        }
        qkv = try pack(layer.qkvWeight.pointer, 3 * c, c)
        attentionOutput = try pack(layer.attentionOutputWeight.pointer, c, c)
        intermediate = try pack(layer.intermediateWeight.pointer, f, c)
        output = try pack(layer.outputWeight.pointer, c, f)
    }

    /// Packs every layer, or returns nil when oneDNN refuses any weight (the encoder then uses OpenBLAS).
    /// Each set of packed copies costs the weights' size in memory (about 85 MB for mE5-small); the mmapped
    /// fp32 weights stay as OpenBLAS's fallback.
    static func packAll(_ weights: EncoderWeights, config: ModelConfig, parts: Int, lanes: Int) -> [PackedLayer]? {
        var packed: [PackedLayer] = []
        for layer in weights.layers {
            guard let one = try? PackedLayer(layer, config: config, parts: parts, lanes: lanes) else { return nil }
            packed.append(one)
        }
        return packed
    }
}
