// GlossaKernels: the numeric building blocks of the mE5 forward pass, each with a naive reference.
// Dimension vocabulary used by every shape comment in this module and in GlossaEncoder:
//   B batch (texts), T tokens, C hidden, H heads, D head size (C / H), F feed-forward size, V vocabulary.
// All matrices are row-major Float32; pointers are raw so that the encoder can reuse buffers per layer.
import CBLAS

/// Process-wide OpenBLAS settings.
///
/// OpenBLAS keeps one global thread count; setting it affects every caller in the process.
public enum BLAS {
    /// The number of threads OpenBLAS uses for one call (`openblas_get_num_threads`).
    public static var threadCount: Int { Int(openblas_get_num_threads()) }

    /// Sets the OpenBLAS thread count (`openblas_set_num_threads`); values below 1 are raised to 1.
    public static func setThreadCount(_ count: Int) {
        openblas_set_num_threads(Int32(max(1, count)))
    }
}
