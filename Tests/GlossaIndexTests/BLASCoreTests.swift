// The load-time repair of OpenBLAS's core choice (CFaiss/blas_core.cpp): on a CPU with AVX2+FMA the process
// must not run OpenBLAS's Prescott (SSE3) fallback kernels, whatever OpenBLAS's own detection said.
import Foundation
import GlossaIndex
import Testing

@Suite struct BLASCoreTests {
    static var cpuFlags: Set<String> {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
            let line = text.split(separator: "\n").first(where: { $0.hasPrefix("flags") })
        else { return [] }
        return Set(line.split(separator: " ").map(String.init))
    }

    @Test("OpenBLAS uses a kernel set that matches the CPU, not the Prescott fallback",
          .enabled(if: cpuFlags.isSuperset(of: ["avx2", "fma"])))
    func coreMatchesCPU() {
        let core = VectorIndex.blasCore
        #expect(!core.isEmpty, "the loaded BLAS is not OpenBLAS")
        // A user's OPENBLAS_CORETYPE is respected, so only check when none is set.
        if ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] == nil {
            #expect(core.lowercased() != "prescott", "OpenBLAS runs its SSE3 fallback on an AVX2 CPU")
        }
    }
}
