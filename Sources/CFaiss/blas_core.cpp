// OpenBLAS core selection. Debian's OpenBLAS 0.3.21 (DYNAMIC_ARCH) does not know newer CPUs (this machine:
// family 6 model 207, Emerald Rapids) and falls back to its Prescott (SSE3) kernels: sgemm runs ~4x slower,
// which is most of the "Debian faiss is slower" gap. When that fallback happened and the CPU has AVX-512
// (or AVX2+FMA), we re-run OpenBLAS's own dynamic init with OPENBLAS_CORETYPE=SkylakeX (or Haswell), once,
// at load time before main (single-threaded, before any BLAS call). A user's OPENBLAS_CORETYPE is respected.
#include "CFaiss.h"

#include <dlfcn.h>

#include <cstdlib>
#include <cstring>

namespace {

using init_fn = void (*)(void);
using name_fn = char* (*)(void);

// A plain zero-initialised buffer, not std::string: the load-time constructor below may run before this
// file's C++ static constructors.
char selected_core[32];

// Copies the name of the kernel table OpenBLAS uses into selected_core ("" when not a DYNAMIC_ARCH OpenBLAS).
void record_core() {
    auto name = reinterpret_cast<name_fn>(dlsym(RTLD_DEFAULT, "gotoblas_corename"));
    const char* core = name == nullptr ? "" : name();
    std::strncpy(selected_core, core == nullptr ? "" : core, sizeof(selected_core) - 1);
}

void select_core() {
    record_core();
    auto table = reinterpret_cast<void**>(dlsym(RTLD_DEFAULT, "gotoblas"));
    auto prescott = dlsym(RTLD_DEFAULT, "gotoblas_PRESCOTT");
    auto dynamic_init = reinterpret_cast<init_fn>(dlsym(RTLD_DEFAULT, "gotoblas_dynamic_init"));
    // Only repair OpenBLAS's fallback, never a choice it made or one the user forced.
    if (table == nullptr || prescott == nullptr || dynamic_init == nullptr || *table != prescott
        || std::getenv("OPENBLAS_CORETYPE") != nullptr) {
        return;
    }
    const char* core = nullptr;
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq")
        && __builtin_cpu_supports("avx512vl")) {
        core = "SkylakeX";
    } else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
        core = "Haswell";
    }
    if (core == nullptr) {
        return;
    }
    // gotoblas_dynamic_init returns early while a table is set; it reads OPENBLAS_CORETYPE and runs the
    // table's init (cache-blocking parameters). Restore the environment afterwards.
    setenv("OPENBLAS_CORETYPE", core, 1);
    *table = nullptr;
    dynamic_init();
    unsetenv("OPENBLAS_CORETYPE");
    if (*table == nullptr) {
        // Unreachable with OpenBLAS 0.3.x (it falls back itself), but never leave BLAS without kernels.
        *table = prescott;
    }
    record_core();
}

// Runs while the executable initialises, after libopenblas's own constructor (a dependency initialises first).
__attribute__((constructor)) void select_core_at_load() {
    select_core();
}

} // namespace

extern "C" const char* glossa_faiss_blas_core(void) {
    return selected_core;
}
