// The oneDNN side of CDNNL.h. Why oneDNN: at 13 rows (one query) its brgemm f32 kernel ran mE5's four Linear
// shapes at 118-147 GFLOP/s on one AVX-512 core against OpenBLAS's 86-114 (with the narrow column chunks of
// `linearColumns`), because the weights are read from a layout packed once at load instead of being re-packed
// or read unblocked on every call (Benchmarks/results/encode.md, 2026-12-06).
// The packed layout oneDNN picks for these shapes does not depend on the row count, so one packed copy serves
// every m; each m gets its own primitive, made on first use and kept.
#include "CDNNL.h"

#include <oneapi/dnnl/dnnl.hpp>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <tuple>
#include <unordered_map>
#include <vector>

extern "C" {
// libgomp's: oneDNN (Debian's build threads with OpenMP) sizes its work by the calling thread's OpenMP
// thread count, so every call here sets it to 1 for its duration and restores it afterwards.
int omp_get_max_threads(void);
void omp_set_num_threads(int);
}

namespace {

using dnnl::memory;

void write_error(char* error, size_t length, const char* what) {
    if (error != nullptr && length > 0) std::snprintf(error, length, "oneDNN: %s", what);
}

// Holds the OpenMP thread count of this thread at 1 while alive.
struct SingleThreaded {
    int previous;
    SingleThreaded() : previous(omp_get_max_threads()) { omp_set_num_threads(1); }
    ~SingleThreaded() { omp_set_num_threads(previous); }
};

// Never destroyed: at exit, static destructors run while other threads may still free packed weights
// (a server shutting down), and those need the engine alive.
dnnl::engine& cpu_engine() {
    static dnnl::engine* engine = new dnnl::engine(dnnl::engine::kind::cpu, 0);
    return *engine;
}

// The row count at which the weight layout is chosen: a mid-size batch. Checked for m = 1 … 4096 at mE5's
// four shapes: oneDNN 2.6 picks the same layout for all of them.
constexpr int64_t kLayoutRows = 128;

memory::desc rows_desc(int64_t m, int64_t cols, int64_t stride) {
    return memory::desc({m, cols}, memory::data_type::f32, memory::dims{stride, 1});
}

}  // namespace

// One thread's state over a packed weight: its stream and its primitives. Each member of the encoder's team
// uses its own lane, so members that run the same weight at once (the groups of a split batch) never wait
// for each other; the lock only guards against a caller that breaks that rule.
struct glossa_dnnl_lane {
    // Kept: made once, as the primitives are (a stream per call costs more than a short product).
    dnnl::stream stream;
    std::mutex lock;
    // (m, ldx, has bias) → the primitive for that product; its output is always dense (see apply).
    std::map<std::tuple<int64_t, int64_t, bool>, std::pair<dnnl::matmul, dnnl::matmul::primitive_desc>> primitives;
};

struct glossa_dnnl_linear {
    int64_t n = 0;
    int64_t k = 0;
    memory::desc packed_desc;
    // Read-only once packed: every lane's primitives read it.
    memory packed;
    std::vector<std::unique_ptr<glossa_dnnl_lane>> lanes;

    // The scratchpad is the caller's (`scratchpad_mode::user`, one buffer per thread, see apply): with the
    // library's default, Debian's build keeps one scratchpad per creating thread, so a primitive may not
    // run on another thread than the one that made it, and the team's member 0 is whichever thread calls
    // the encoder.
    dnnl::matmul::primitive_desc describe(int64_t m, int64_t ldx, bool bias, const memory::desc& w) const {
        auto src = rows_desc(m, k, ldx);
        auto dst = rows_desc(m, n, n);
        dnnl::primitive_attr attributes;
        attributes.set_scratchpad_mode(dnnl::scratchpad_mode::user);
        if (bias) {
            memory::desc bias_desc({1, n}, memory::data_type::f32, memory::format_tag::ab);
            return dnnl::matmul::primitive_desc(
                dnnl::matmul::desc(src, w, bias_desc, dst), attributes, cpu_engine());
        }
        return dnnl::matmul::primitive_desc(dnnl::matmul::desc(src, w, dst), attributes, cpu_engine());
    }

    std::pair<dnnl::matmul, dnnl::matmul::primitive_desc>& primitive(
        glossa_dnnl_lane& lane, int64_t m, int64_t ldx, bool bias) const {
        auto key = std::make_tuple(m, ldx, bias);
        auto found = lane.primitives.find(key);
        if (found != lane.primitives.end()) return found->second;
        // A long ingest sees every batch size up to the token budget; bound what is kept.
        if (lane.primitives.size() >= 256) lane.primitives.clear();
        auto pd = describe(m, ldx, bias, packed_desc);
        return lane.primitives.emplace(key, std::make_pair(dnnl::matmul(pd), pd)).first->second;
    }
};

namespace {

// A 64-byte aligned buffer per thread that only grows: the scratchpad of every product run on this thread
// (a product runs to its end before the thread starts another).
void* thread_scratchpad(size_t bytes) {
    thread_local std::unique_ptr<unsigned char[]> storage;
    thread_local size_t capacity = 0;
    if (bytes == 0) return nullptr;
    if (bytes > capacity) {
        storage.reset(new unsigned char[bytes + 64]);
        capacity = bytes;
    }
    auto address = reinterpret_cast<uintptr_t>(storage.get());
    return reinterpret_cast<void*>((address + 63) & ~static_cast<uintptr_t>(63));
}

}  // namespace

extern "C" glossa_dnnl_linear* glossa_dnnl_linear_pack(
    const float* weight, int64_t n, int64_t k, int64_t lanes, char* error, size_t error_length) {
    try {
        SingleThreaded single;
        auto linear = std::make_unique<glossa_dnnl_linear>();
        linear->n = n;
        linear->k = k;
        for (int64_t lane = 0; lane < std::max<int64_t>(1, lanes); ++lane) {
            linear->lanes.push_back(std::make_unique<glossa_dnnl_lane>());
            linear->lanes.back()->stream = dnnl::stream(cpu_engine());
        }
        memory::desc any({k, n}, memory::data_type::f32, memory::format_tag::any);
        auto pd = linear->describe(kLayoutRows, k, false, any);
        linear->packed_desc = pd.weights_desc();
        // weightᵀ (k, n) is the [out, in] matrix read column-major: format "ba".
        memory::desc plain({k, n}, memory::data_type::f32, memory::format_tag::ba);
        memory source(plain, cpu_engine(), const_cast<float*>(weight));
        linear->packed = memory(linear->packed_desc, cpu_engine());
        auto& stream = linear->lanes.front()->stream;
        dnnl::reorder(source, linear->packed).execute(stream, source, linear->packed);
        stream.wait();
        return linear.release();
    } catch (const std::exception& e) {
        write_error(error, error_length, e.what());
        return nullptr;
    }
}

extern "C" void glossa_dnnl_linear_free(glossa_dnnl_linear* linear) { delete linear; }

extern "C" size_t glossa_dnnl_linear_packed_bytes(const glossa_dnnl_linear* linear) {
    return linear->packed_desc.get_size();
}

extern "C" int glossa_dnnl_linear_apply(
    glossa_dnnl_linear* linear, int64_t lane_index, const float* x, int64_t m, int64_t ldx, const float* bias,
    float* out, int64_t ldo, char* error, size_t error_length) {
    if (m == 0) return 0;
    if (lane_index < 0 || lane_index >= static_cast<int64_t>(linear->lanes.size())) {
        write_error(error, error_length, "lane out of range");
        return -1;
    }
    try {
        SingleThreaded single;
        auto& lane = *linear->lanes[lane_index];
        std::lock_guard<std::mutex> guard(lane.lock);
        // oneDNN 2.6 runs a strided output (a column slice of a wider matrix) only on its reference loop once
        // the weights are blocked, so a slice is computed densely here and copied into place: m·n floats
        // against the product's m·n·k multiply-adds.
        const bool dense = ldo == linear->n;
        // One buffer per thread, not per weight: the encoder's 48 weights × slices would otherwise each keep
        // one as large as the biggest batch.
        thread_local std::vector<float> scratch;
        float* target = out;
        if (!dense) {
            if (scratch.size() < static_cast<size_t>(m * linear->n)) scratch.resize(m * linear->n);
            target = scratch.data();
        }
        auto& entry = linear->primitive(lane, m, ldx, bias != nullptr);
        auto& pd = entry.second;
        memory src(pd.src_desc(), cpu_engine(), const_cast<float*>(x));
        memory dst(pd.dst_desc(), cpu_engine(), target);
        std::unordered_map<int, memory> args{
            {DNNL_ARG_SRC, src}, {DNNL_ARG_WEIGHTS, linear->packed}, {DNNL_ARG_DST, dst}};
        if (bias != nullptr) {
            args.emplace(DNNL_ARG_BIAS, memory(pd.bias_desc(), cpu_engine(), const_cast<float*>(bias)));
        }
        auto scratchpad_desc = pd.scratchpad_desc();
        if (scratchpad_desc.get_size() > 0) {
            args.emplace(
                DNNL_ARG_SCRATCHPAD,
                memory(scratchpad_desc, cpu_engine(), thread_scratchpad(scratchpad_desc.get_size())));
        }
        entry.first.execute(lane.stream, args);
        lane.stream.wait();
        if (!dense) {
            for (int64_t row = 0; row < m; ++row) {
                std::memcpy(out + row * ldo, target + row * linear->n, sizeof(float) * linear->n);
            }
        }
        return 0;
    } catch (const std::exception& e) {
        write_error(error, error_length, e.what());
        return -1;
    }
}

extern "C" void glossa_dnnl_linear_kernel_name(glossa_dnnl_linear* linear, int64_t m, char* name, size_t name_length) {
    if (name == nullptr || name_length == 0) return;
    name[0] = 0;
    try {
        SingleThreaded single;
        auto& lane = *linear->lanes.front();
        std::lock_guard<std::mutex> guard(lane.lock);
        std::snprintf(name, name_length, "%s", linear->primitive(lane, m, linear->k, false).second.impl_info_str());
    } catch (const std::exception&) {
    }
}
