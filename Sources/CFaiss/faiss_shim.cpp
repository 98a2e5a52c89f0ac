// The extern "C" entries of CFaiss.h over faiss's C++ API (Debian's libfaiss.a has no c_api).
// Every entry is wrapped in GLOSSA_TRY / GLOSSA_CATCH so no C++ exception reaches Swift; the message is kept in
// a thread-local last error, as in faiss's c_api/macros_impl.h. Flat inner-product searches go to Glossa's own
// sgemm + heap kernel (exact_search.cpp) unless the caller asks for faiss's.
#include "CFaiss.h"

#include "exact_search.h"
#include "index_check.h"
#include "ivf_scan.h"

#include <faiss/IndexFlat.h>
#include <faiss/AutoTune.h>
#include <faiss/IndexIDMap.h>
#include <faiss/IndexIVF.h>
#include <faiss/IndexIVFPQ.h>
#include <faiss/IndexScalarQuantizer.h>
#include <faiss/impl/io.h>
#include <faiss/IndexPreTransform.h>
#include <faiss/impl/FaissException.h>
#include <faiss/impl/IDSelector.h>
#include <faiss/impl/io.h>
#include <faiss/index_factory.h>
#include <faiss/index_io.h>

#include <dlfcn.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>
#include <typeinfo>
#include <memory>
#include <new>
#include <string>
#include <vector>

// From libgomp. Declared here because faiss/impl/HNSW.h and omp.h are not on clang's include path (omp.h is
// GCC's), so this file includes no header that pulls in <omp.h>.
extern "C" void omp_set_num_threads(int n);
extern "C" int omp_get_max_threads(void);

static_assert(sizeof(faiss::Index::idx_t) == sizeof(int64_t), "faiss ids must be int64_t to cross the C boundary");

struct glossa_faiss_index {
    std::unique_ptr<faiss::Index> index;
};

namespace {

thread_local std::string last_error;

} // namespace

// One try/catch for every entry: returns -1 and keeps the message; 0 on success.
#define GLOSSA_TRY \
    try {          \
        last_error.clear();
#define GLOSSA_CATCH                                           \
    }                                                          \
    catch (const faiss::FaissException& e) {                   \
        last_error = e.msg;                                    \
        return -1;                                             \
    }                                                          \
    catch (const std::bad_alloc&) {                            \
        last_error = "out of memory";                          \
        return -1;                                             \
    }                                                          \
    catch (const std::exception& e) {                          \
        last_error = e.what();                                 \
        return -1;                                             \
    }                                                          \
    catch (...) {                                              \
        last_error = "unknown C++ exception";                  \
        return -1;                                             \
    }                                                          \
    return 0;

#define GLOSSA_CHECK(condition, message)                           \
    if (!(condition)) {                                            \
        throw std::runtime_error(std::string(message));            \
    }

namespace {

// The index under IDMap / PreTransform wrappers.
const faiss::Index* innermost(const faiss::Index* index) {
    if (auto idmap = dynamic_cast<const faiss::IndexIDMap*>(index)) {
        return innermost(idmap->index);
    }
    if (auto pre = dynamic_cast<const faiss::IndexPreTransform*>(index)) {
        return innermost(pre->index);
    }
    return index;
}

// Whether add_with_ids works without an IDMap (IVF keeps ids in its inverted lists).
bool takes_ids(const faiss::Index* index) {
    if (dynamic_cast<const faiss::IndexIDMap*>(index)) {
        return true;
    }
    if (auto pre = dynamic_cast<const faiss::IndexPreTransform*>(index)) {
        return takes_ids(pre->index);
    }
    return dynamic_cast<const faiss::IndexIVF*>(index) != nullptr;
}

// Structural checks after read_index: a file that parses but whose sizes disagree would crash a later search.
void validate(const faiss::Index* index) {
    GLOSSA_CHECK(index->d > 0, "the index has a non-positive dimension");
    GLOSSA_CHECK(index->ntotal >= 0, "the index has a negative vector count");
    if (auto idmap = dynamic_cast<const faiss::IndexIDMap*>(index)) {
        GLOSSA_CHECK(idmap->index != nullptr, "the IDMap has no sub-index");
        GLOSSA_CHECK(idmap->index->d == index->d, "the IDMap's sub-index has another dimension");
        GLOSSA_CHECK((int64_t)idmap->id_map.size() == index->ntotal, "the IDMap's id table disagrees with ntotal");
        GLOSSA_CHECK(idmap->index->ntotal == index->ntotal, "the IDMap's sub-index disagrees with ntotal");
        validate(idmap->index);
    } else if (auto pre = dynamic_cast<const faiss::IndexPreTransform*>(index)) {
        GLOSSA_CHECK(pre->index != nullptr, "the PreTransform has no sub-index");
        validate(pre->index);
    } else if (auto flat = dynamic_cast<const faiss::IndexFlatCodes*>(index)) {
        GLOSSA_CHECK(flat->codes.size() == (size_t)index->ntotal * flat->code_size, "the flat codes are truncated");
    } else if (auto ivf = dynamic_cast<const faiss::IndexIVF*>(index)) {
        GLOSSA_CHECK(ivf->quantizer != nullptr && ivf->invlists != nullptr, "the IVF index is incomplete");
        GLOSSA_CHECK(ivf->quantizer->d == index->d, "the IVF quantizer has another dimension");
        GLOSSA_CHECK(ivf->invlists->nlist == ivf->nlist, "the IVF inverted lists disagree with nlist");
        size_t total = 0;
        for (size_t list = 0; list < ivf->nlist; list++) {
            total += ivf->invlists->list_size(list);
        }
        GLOSSA_CHECK(total == (size_t)index->ntotal, "the IVF inverted lists disagree with ntotal");
    }
}

// The flat inner-product storage and its id table when Glossa's exact kernel applies, else nullptr.
const faiss::IndexFlat* exact_target(const faiss::Index* index, const std::vector<int64_t>** ids) {
    *ids = nullptr;
    const faiss::Index* inner = index;
    if (auto idmap = dynamic_cast<const faiss::IndexIDMap*>(index)) {
        *ids = &idmap->id_map;
        inner = idmap->index;
    }
    auto flat = dynamic_cast<const faiss::IndexFlat*>(inner);
    if (flat == nullptr || flat->metric_type != faiss::METRIC_INNER_PRODUCT) {
        return nullptr;
    }
    return flat;
}

// Default nprobe when the caller gives none: ~nlist/12 lists (at least 8), about 8% of the vectors. On 144k
// real mE5 embeddings (Tatoeba, nlist 1518) recall@10 against flat was 0.921 at nlist/32, 0.960 at nlist/16 and
// 0.971 at nlist/12 (IVFRecallOnTatoebaTests); synthetic clusters are kinder than real text.
// Compressed codes (SQ8, PQ) get ~nlist/8: their candidates are re-scored exactly, so the coarse lists bound
// their recall, and list misses at nlist/12 left too little headroom for the codes' own losses (PQ48 at 100k
// real-neighbourhood vectors: recall@10 0.966 with 600 candidates at nlist/12, 0.971 with 500 at nlist/8).
size_t default_nprobe(const faiss::IndexIVF* ivf) {
    const size_t nlist = ivf->nlist;
    const bool full_vectors = ivf->code_size == ivf->d * sizeof(float);
    return std::min(nlist, std::max<size_t>(8, nlist / (full_vectors ? 12 : 8)));
}

// Applies nprobe (IVF) and efSearch (HNSW) for one search. nprobe is restored on scope exit; efSearch is set
// through ParameterSpace (IndexHNSW.h needs <omp.h>), so the Swift side always passes it explicitly.
struct ScopedSearchParameters {
    faiss::IndexIVF* ivf = nullptr;
    size_t saved_nprobe = 0;

    ScopedSearchParameters(faiss::Index* index, const glossa_faiss_search_params* params) {
        auto inner = const_cast<faiss::Index*>(innermost(index));
        if ((ivf = dynamic_cast<faiss::IndexIVF*>(inner)) != nullptr) {
            saved_nprobe = ivf->nprobe;
            const int32_t nprobe = params == nullptr ? 0 : params->nprobe;
            ivf->nprobe = nprobe > 0 ? std::min((size_t)nprobe, ivf->nlist) : default_nprobe(ivf);
        }
        if (params != nullptr && params->ef_search > 0 && is_hnsw(inner)) {
            faiss::ParameterSpace().set_index_parameter(inner, "efSearch", params->ef_search);
        }
    }
    ~ScopedSearchParameters() {
        if (ivf != nullptr) {
            ivf->nprobe = saved_nprobe;
        }
    }

    // IndexHNSW's declaration is unavailable here (see above), so match its RTTI name (covers IndexHNSWFlat).
    static bool is_hnsw(const faiss::Index* index) {
        return std::string(typeid(*index).name()).find("IndexHNSW") != std::string::npos;
    }
};

// The IVF index itself (no wrapper of ours wraps IVF: it takes caller ids), or nullptr.
faiss::IndexIVF* as_ivf(faiss::Index* index) {
    return dynamic_cast<faiss::IndexIVF*>(index);
}

// Structural memory count (see glossa_faiss_memory_bytes); -1 for types it does not know.
int64_t memory_bytes(const faiss::Index* index) {
    if (auto idmap2 = dynamic_cast<const faiss::IndexIDMap2*>(index)) {
        const int64_t inner = memory_bytes(idmap2->index);
        // rev_map is an unordered_map<idx_t, idx_t>: ~40 bytes per entry (node: next pointer, key, value, hash;
        // plus its bucket pointer) with libstdc++.
        return inner < 0 ? -1 : inner + (int64_t)idmap2->id_map.size() * 8 + (int64_t)idmap2->rev_map.size() * 40;
    }
    if (auto idmap = dynamic_cast<const faiss::IndexIDMap*>(index)) {
        const int64_t inner = memory_bytes(idmap->index);
        return inner < 0 ? -1 : inner + (int64_t)idmap->id_map.size() * 8;
    }
    if (auto flat = dynamic_cast<const faiss::IndexFlatCodes*>(index)) {
        return (int64_t)flat->codes.size();
    }
    if (auto ivf = dynamic_cast<const faiss::IndexIVF*>(index)) {
        const int64_t quantizer = memory_bytes(ivf->quantizer);
        if (quantizer < 0) {
            return -1;
        }
        int64_t total = quantizer;
        for (size_t list = 0; list < ivf->nlist; list++) {
            // Codes plus one int64 id per stored vector.
            total += (int64_t)ivf->invlists->list_size(list) * (int64_t)(ivf->code_size + sizeof(int64_t));
        }
        if (auto pq = dynamic_cast<const faiss::IndexIVFPQ*>(index)) {
            total += (int64_t)(pq->pq.centroids.size() + pq->precomputed_table.size()) * (int64_t)sizeof(float);
        }
        if (auto sq = dynamic_cast<const faiss::IndexIVFScalarQuantizer*>(index)) {
            total += (int64_t)sq->sq.trained.size() * (int64_t)sizeof(float);
        }
        return total;
    }
    return -1;
}

using openblas_set_fn = void (*)(int);
using openblas_get_fn = int (*)(void);

} // namespace

extern "C" {

const char* glossa_faiss_last_error(void) {
    return last_error.c_str();
}

int glossa_faiss_create(const char* factory, int64_t d, glossa_faiss_index** out) {
    GLOSSA_TRY
    GLOSSA_CHECK(factory != nullptr && out != nullptr, "null argument");
    GLOSSA_CHECK(d > 0, "the dimension must be positive");
    std::unique_ptr<faiss::Index> index(faiss::index_factory((int)d, factory, faiss::METRIC_INNER_PRODUCT));
    if (auto pq = dynamic_cast<faiss::IndexIVFPQ*>(index.get())) {
        // faiss trains one 256-centroid k-means per sub-vector on up to 65,536 residuals, 25 iterations each:
        // minutes for 48 sub-vectors. 39 points per centroid (faiss's own minimum) and 10 iterations keep the
        // codebooks good enough for a candidate generator whose list the collection re-scores exactly.
        pq->pq.cp.max_points_per_centroid = 39;
        pq->pq.cp.niter = 10;
        // index_factory turns on polysemous training for IVF-PQ (a simulated-annealing reordering of the
        // codes for Hamming filtering, which Glossa never uses): minutes of CPU at any size.
        pq->do_polysemous_training = false;
    }
    if (!takes_ids(index.get())) {
        auto wrapped = std::make_unique<faiss::IndexIDMap2>(index.get());
        wrapped->own_fields = true;
        index.release();
        index = std::move(wrapped);
    }
    *out = new glossa_faiss_index{std::move(index)};
    GLOSSA_CATCH
}

void glossa_faiss_free(glossa_faiss_index* index) {
    delete index;
}

int glossa_faiss_is_trained(const glossa_faiss_index* index, int32_t* out) {
    GLOSSA_TRY
    *out = index->index->is_trained ? 1 : 0;
    GLOSSA_CATCH
}

int glossa_faiss_train(glossa_faiss_index* index, int64_t n, const float* x) {
    GLOSSA_TRY
    // k-means runs OpenMP loops around small BLAS calls that OpenBLAS threads itself; with both pools on
    // the same cores, libgomp's spin-waiting took ~70 % of PQ training (perf). One OpenMP thread while
    // training leaves the parallelism to OpenBLAS; restored afterwards (also on failure).
    struct OneOpenMPThread {
        int saved = omp_get_max_threads();
        OneOpenMPThread() { omp_set_num_threads(1); }
        ~OneOpenMPThread() { omp_set_num_threads(saved); }
    } scoped;
    index->index->train(n, x);
    GLOSSA_CATCH
}

int glossa_faiss_add_with_ids(glossa_faiss_index* index, int64_t n, const float* x, const int64_t* ids) {
    GLOSSA_TRY
    index->index->add_with_ids(n, x, ids);
    GLOSSA_CATCH
}

int glossa_faiss_remove_ids(glossa_faiss_index* index, int64_t n, const int64_t* ids, int64_t* removed) {
    GLOSSA_TRY
    faiss::IDSelectorBatch selector((size_t)n, ids);
    *removed = (int64_t)index->index->remove_ids(selector);
    GLOSSA_CATCH
}

namespace {

// Glossa's exact kernel over a flat index; labels become caller ids (through ids when given). With vectors,
// each hit's stored row is copied out first, while the labels are still row numbers.
void flat_search(const faiss::IndexFlat* flat, const std::vector<int64_t>* ids, int64_t n, const float* x,
                 int64_t k, const glossa_faiss_search_params* params, float* scores, int64_t* labels,
                 float* vectors) {
    const auto path =
            params != nullptr && params->exact_kernel == 2 ? glossa::ExactPath::blas : glossa::ExactPath::best;
    glossa::exact_inner_product_search(flat->get_xb(), flat->ntotal, flat->d, x, n, k, scores, labels, path);
    const int64_t d = flat->d;
    for (int64_t i = 0; i < n * k; i++) {
        if (labels[i] < 0) continue;
        if (vectors != nullptr) {
            std::memcpy(vectors + i * d, flat->get_xb() + labels[i] * d, sizeof(float) * d);
        }
        if (ids != nullptr) labels[i] = (*ids)[labels[i]];
    }
}

} // namespace

int glossa_faiss_search_with_vectors(
        glossa_faiss_index* index,
        int64_t n,
        const float* x,
        int64_t k,
        const glossa_faiss_search_params* params,
        float* scores,
        int64_t* labels,
        float* vectors,
        int32_t* copied) {
    *copied = 0;
    const std::vector<int64_t>* ids = nullptr;
    const faiss::IndexFlat* flat = exact_target(index->index.get(), &ids);
    if (flat == nullptr || (params != nullptr && params->exact_kernel == 0)) {
        return glossa_faiss_search(index, n, x, k, params, scores, labels);
    }
    GLOSSA_TRY
    GLOSSA_CHECK(k > 0, "k must be positive");
    flat_search(flat, ids, n, x, k, params, scores, labels, vectors);
    *copied = 1;
    GLOSSA_CATCH
}

int glossa_faiss_search(
        glossa_faiss_index* index,
        int64_t n,
        const float* x,
        int64_t k,
        const glossa_faiss_search_params* params,
        float* scores,
        int64_t* labels) {
    GLOSSA_TRY
    GLOSSA_CHECK(k > 0, "k must be positive");
    faiss::Index* target = index->index.get();
    const std::vector<int64_t>* ids = nullptr;
    const faiss::IndexFlat* flat = exact_target(target, &ids);
    if (flat != nullptr && (params == nullptr || params->exact_kernel != 0)) {
        flat_search(flat, ids, n, x, k, params, scores, labels, nullptr);
    } else if (auto ivf = as_ivf(target);
               ivf != nullptr && glossa::ivf_flat_scan_applies(ivf) && (params == nullptr || params->ivf_kernel != 0)) {
        const int32_t nprobe = params == nullptr ? 0 : params->nprobe;
        glossa::ivf_flat_search(ivf, x, n, k, nprobe > 0 ? nprobe : (int64_t)default_nprobe(ivf), scores,
                                labels);
    } else {
        ScopedSearchParameters scoped(target, params);
        target->search(n, x, k, scores, labels);
    }
    GLOSSA_CATCH
}

int glossa_faiss_search_ivf_naive(
        glossa_faiss_index* index,
        int64_t n,
        const float* x,
        int64_t k,
        int32_t nprobe,
        float* scores,
        int64_t* labels) {
    GLOSSA_TRY
    auto ivf = as_ivf(index->index.get());
    GLOSSA_CHECK(ivf != nullptr && glossa::ivf_flat_scan_applies(ivf), "not an IVF-Flat inner-product index");
    const int64_t probe = std::min<int64_t>(ivf->nlist, nprobe > 0 ? nprobe : (int64_t)default_nprobe(ivf));
    std::vector<int64_t> probes(n * probe);
    glossa::ivf_coarse_assign(ivf, x, n, probe, probes.data());
    glossa::ivf_flat_search_naive(ivf, x, n, k, probe, probes.data(), scores, labels);
    GLOSSA_CATCH
}

int glossa_exact_search(
        const float* xb,
        int64_t nb,
        int64_t d,
        const float* xq,
        int64_t nq,
        int64_t k,
        float* scores,
        int64_t* labels) {
    GLOSSA_TRY
    GLOSSA_CHECK(k > 0 && d > 0 && nb >= 0 && nq >= 0, "k and d must be positive");
    glossa::exact_inner_product_search(xb, nb, d, xq, nq, k, scores, labels);
    GLOSSA_CATCH
}

int glossa_faiss_ivf_probes(glossa_faiss_index* index, int64_t n, const float* x, int32_t nprobe, int64_t* probes) {
    GLOSSA_TRY
    auto ivf = as_ivf(index->index.get());
    GLOSSA_CHECK(ivf != nullptr && glossa::ivf_flat_scan_applies(ivf), "not an IVF-Flat inner-product index");
    GLOSSA_CHECK(nprobe > 0 && (size_t)nprobe <= ivf->nlist, "nprobe must be in 1...nlist");
    glossa::ivf_coarse_assign(ivf, x, n, nprobe, probes);
    GLOSSA_CATCH
}

int glossa_faiss_ivf_lists(const glossa_faiss_index* index, int64_t* nlist, int64_t* nprobe) {
    GLOSSA_TRY
    auto ivf = dynamic_cast<const faiss::IndexIVF*>(index->index.get());
    *nlist = ivf == nullptr ? 0 : (int64_t)ivf->nlist;
    *nprobe = ivf == nullptr ? 0 : (int64_t)default_nprobe(ivf);
    GLOSSA_CATCH
}

int glossa_faiss_memory_bytes(const glossa_faiss_index* index, int64_t* out) {
    GLOSSA_TRY
    int64_t bytes = memory_bytes(index->index.get());
    if (bytes < 0) {
        // A type without a structural count (HNSW's graph, ...): its serialised size is close to its footprint.
        faiss::VectorIOWriter writer;
        faiss::write_index(index->index.get(), &writer);
        bytes = (int64_t)writer.data.size();
    }
    *out = bytes;
    GLOSSA_CATCH
}

int glossa_faiss_ntotal(const glossa_faiss_index* index, int64_t* out) {
    GLOSSA_TRY
    *out = index->index->ntotal;
    GLOSSA_CATCH
}

int glossa_faiss_dimension(const glossa_faiss_index* index, int64_t* out) {
    GLOSSA_TRY
    *out = index->index->d;
    GLOSSA_CATCH
}

int glossa_faiss_write(const glossa_faiss_index* index, const char* path) {
    GLOSSA_TRY
    errno = 0;
    try {
        faiss::write_index(index->index.get(), path);
    } catch (const faiss::FaissException& e) {
        // faiss says only "write error"; errno says why (a full disk: "No space left on device").
        throw std::runtime_error(e.msg + (errno != 0 ? std::string(" (") + std::strerror(errno) + ")" : ""));
    }
    GLOSSA_CATCH
}

int glossa_faiss_read(const char* path, glossa_faiss_index** out) {
    GLOSSA_TRY
    // The whole file is read once and checked (index_check.cpp) before faiss parses the same bytes, so a
    // corrupt length is refused here instead of becoming a huge allocation or a crash in a later search.
    faiss::VectorIOReader reader;
    {
        std::unique_ptr<FILE, int (*)(FILE*)> file(std::fopen(path, "rb"), &std::fclose);
        GLOSSA_CHECK(file != nullptr, "cannot open the file");
        GLOSSA_CHECK(std::fseek(file.get(), 0, SEEK_END) == 0, "cannot seek in the file");
        const long length = std::ftell(file.get());
        GLOSSA_CHECK(length >= 0 && std::fseek(file.get(), 0, SEEK_SET) == 0, "cannot seek in the file");
        reader.data.resize((size_t)length);
        GLOSSA_CHECK(
                std::fread(reader.data.data(), 1, (size_t)length, file.get()) == (size_t)length,
                "cannot read the whole file");
    }
    std::string reason;
    GLOSSA_CHECK(glossa::check_index_file(reader.data.data(), reader.data.size(), &reason), reason);
    std::unique_ptr<faiss::Index> index(faiss::read_index(&reader));
    validate(index.get());
    *out = new glossa_faiss_index{std::move(index)};
    GLOSSA_CATCH
}

int glossa_faiss_reconstruct(const glossa_faiss_index* index, int64_t id, float* out) {
    GLOSSA_TRY
    index->index->reconstruct(id, out);
    GLOSSA_CATCH
}

void glossa_faiss_set_omp_threads(int32_t n) {
    omp_set_num_threads(n);
    glossa::set_scan_threads(n);
}

int32_t glossa_faiss_set_blas_threads(int32_t n) {
    // Looked up at run time: the BLAS behind libblas.so.3 is chosen by Debian's alternatives, and
    // openblas_set_num_threads lives in libopenblas.so.0, which this target does not link directly.
    auto set = reinterpret_cast<openblas_set_fn>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"));
    if (set == nullptr) {
        return 0;
    }
    set(n);
    return 1;
}

int32_t glossa_faiss_blas_threads(void) {
    auto get = reinterpret_cast<openblas_get_fn>(dlsym(RTLD_DEFAULT, "openblas_get_num_threads"));
    return get == nullptr ? -1 : get();
}

} // extern "C"
