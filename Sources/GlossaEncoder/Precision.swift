// The encoder's two arithmetic paths. fp32 is the default and the reference (within 1e-5 of transformers);
// int8 runs the four Linear layers of every transformer layer as int8 products (GlossaKernels/Int8Linear.swift)
// and keeps embeddings, attention, softmax, LayerNorm, GELU and pooling in fp32.

/// Which arithmetic the encoder's Linear layers use.
public enum Precision: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// fp32 (oneDNN for short batches, OpenBLAS for split ones): the reference path.
    case fp32
    /// Weights int8 per output row and block of 32 inputs (the exact 4-bit values where the model's weights are
    /// 4-bit), activations int8 per token and block of 32, int32 sums, fp32 dequantisation and bias.
    case int8

    public var description: String { rawValue }
}
