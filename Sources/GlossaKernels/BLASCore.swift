// OpenBLAS picks its kernels from the CPU model at load time. Debian's 0.3.21 does not know recent Xeons
// (e.g. family 6 model 207) and falls back to "Prescott" (SSE3), about 5× slower than its AVX-512 kernels.
// This file re-selects the kernels once, before any encoder work, from the CPU's actual feature flags,
// the same way OPENBLAS_CORETYPE would; a user-set OPENBLAS_CORETYPE always wins.
import CBLAS
import Foundation

extension BLAS {
    /// The kernel set OpenBLAS is using ("SkylakeX", "Haswell", "Prescott", ...).
    public static var coreName: String {
        guard let name = openblas_get_corename() else { return "unknown" }
        return String(cString: name)
    }

    /// Makes OpenBLAS use the fastest kernels the CPU supports when its own detection fell back to a
    /// generic core. Idempotent and thread-safe; call it before the first sgemm (Encoder does).
    ///
    /// Returns the core name in use afterwards.
    @discardableResult
    public static func selectKernelsForThisCPU() -> String {
        _ = kernelSelection
        return coreName
    }

    private static let kernelSelection: Void = {
        let environment = ProcessInfo.processInfo.environment
        // Only a generic fallback is replaced, and never against the user's explicit choice.
        guard environment["OPENBLAS_CORETYPE"] == nil,
            ["prescott", "core2", "nehalem", "unknown", "katmai", "coppermine", "northwood"]
                .contains(coreName.lowercased()),
            let flags = cpuFlags(),
            let core = bestCore(flags: flags)
        else { return }
        guard let handle = dlopen(nil, RTLD_NOW),
            let quit = dlsym(handle, "gotoblas_dynamic_quit"),
            let initialise = dlsym(handle, "gotoblas_dynamic_init")
        else { return }
        typealias Entry = @convention(c) () -> Void
        // gotoblas_dynamic_init reads OPENBLAS_CORETYPE; quit clears the current choice so init re-selects.
        setenv("OPENBLAS_CORETYPE", core, 1)
        unsafeBitCast(quit, to: Entry.self)()
        unsafeBitCast(initialise, to: Entry.self)()
        unsetenv("OPENBLAS_CORETYPE")
    }()

    /// The OpenBLAS core type for a set of /proc/cpuinfo flags, or nil when nothing better than SSE3 fits.
    static func bestCore(flags: Set<String>) -> String? {
        if ["avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512cd"].allSatisfy(flags.contains) { return "SkylakeX" }
        if ["avx2", "fma"].allSatisfy(flags.contains) { return "Haswell" }
        if flags.contains("avx") { return "Sandybridge" }
        return nil
    }

    private static func cpuFlags() -> Set<String>? {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
            let line = text.split(separator: "\n").first(where: { $0.hasPrefix("flags") }),
            let colon = line.firstIndex(of: ":")
        else { return nil }
        return Set(line[line.index(after: colon)...].split(separator: " ").map(String.init))
    }
}
