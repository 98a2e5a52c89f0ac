// A structural check of a faiss index file, run on the bytes before faiss::read_index sees them. faiss's
// reader trusts the lengths it reads: a corrupt count makes it allocate (and zero) up to 2^40 elements, and an
// HNSW graph with out-of-range neighbours reads fine but crashes the first search. This walker knows the
// layouts Glossa writes (faiss 1.7.3 index_read.cpp: IDMap/IDMap2, Flat, IVF-Flat, IVF-SQ and IVF-PQ with array
// lists, HNSW-Flat)
// and checks every length against the bytes left and every graph link against the vector count.
#include "index_check.h"

#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

namespace glossa {

namespace {

struct Refused : std::runtime_error {
    using std::runtime_error::runtime_error;
};

uint32_t fourcc(const char* s) {
    return (uint32_t)(uint8_t)s[0] | (uint32_t)(uint8_t)s[1] << 8 | (uint32_t)(uint8_t)s[2] << 16 |
            (uint32_t)(uint8_t)s[3] << 24;
}

std::string fourcc_text(uint32_t h) {
    std::string text;
    for (int i = 0; i < 4; i++) {
        const char c = (char)((h >> (8 * i)) & 0xff);
        text += (c >= 32 && c < 127) ? c : '?';
    }
    return text;
}

// A bounds-checked little-endian cursor; every read names what it was reading when the bytes run out.
struct Cursor {
    const uint8_t* data;
    size_t size;
    size_t position = 0;

    size_t remaining() const {
        return size - position;
    }

    void need(size_t bytes, const char* what) const {
        if (bytes > remaining()) {
            throw Refused(
                    std::string("the file ends at byte ") + std::to_string(size) + " before the " + what +
                    " at byte " + std::to_string(position) + " (truncated?)");
        }
    }

    template <typename T>
    T read(const char* what) {
        need(sizeof(T), what);
        T value;
        std::memcpy(&value, data + position, sizeof(T));
        position += sizeof(T);
        return value;
    }

    // A faiss vector: u64 element count, then count * element_size bytes. Returns the count; the elements
    // start at *start.
    size_t vector(size_t element_size, const char* what, size_t* start = nullptr) {
        const uint64_t count = read<uint64_t>(what);
        if (count > remaining() / element_size) {
            throw Refused(
                    std::string("the ") + what + " claims " + std::to_string(count) + " elements of " +
                    std::to_string(element_size) + " bytes but only " + std::to_string(remaining()) +
                    " bytes are left");
        }
        if (start != nullptr) {
            *start = position;
        }
        position += (size_t)count * element_size;
        return (size_t)count;
    }

    template <typename T>
    T at(size_t start, size_t index) const {
        T value;
        std::memcpy(&value, data + start + index * sizeof(T), sizeof(T));
        return value;
    }
};

struct Header {
    int32_t d;
    int64_t ntotal;
};

void check(bool condition, const std::string& message) {
    if (!condition) {
        throw Refused(message);
    }
}

Header read_header(Cursor& c) {
    Header h;
    h.d = c.read<int32_t>("dimension");
    h.ntotal = c.read<int64_t>("vector count");
    c.read<int64_t>("header padding");
    c.read<int64_t>("header padding");
    c.read<uint8_t>("is_trained flag");
    const int32_t metric = c.read<int32_t>("metric type");
    if (metric > 1) {
        c.read<float>("metric argument");
    }
    // Glossa builds every index for inner product. Another metric is not Glossa's file, and some (L1 on IVF-Flat)
    // make faiss throw inside an OpenMP region during search, which terminates the process (found by FuzzIndexFile).
    check(metric == 0, "the metric type " + std::to_string(metric) + " is not inner product (0)");
    check(h.d > 0 && h.d <= (1 << 16), "the dimension " + std::to_string(h.d) + " is outside 1...65536");
    check(h.ntotal >= 0 && (uint64_t)h.ntotal <= c.size,
          "the vector count " + std::to_string(h.ntotal) + " cannot fit in a " + std::to_string(c.size) +
                  "-byte file");
    return h;
}

Header check_index(Cursor& c, int depth);

void check_hnsw(Cursor& c, const Header& h) {
    c.vector(8, "HNSW level probabilities");
    size_t cum_start = 0;
    const size_t cum_count = c.vector(4, "HNSW neighbours per level", &cum_start);
    size_t levels_start = 0;
    const size_t levels_count = c.vector(4, "HNSW levels", &levels_start);
    size_t offsets_start = 0;
    const size_t offsets_count = c.vector(8, "HNSW offsets", &offsets_start);
    size_t neighbors_start = 0;
    const size_t neighbors_count = c.vector(4, "HNSW neighbours", &neighbors_start);
    const int32_t entry_point = c.read<int32_t>("HNSW entry point");
    const int32_t max_level = c.read<int32_t>("HNSW max level");
    const int32_t ef_construction = c.read<int32_t>("HNSW efConstruction");
    const int32_t ef_search = c.read<int32_t>("HNSW efSearch");
    const int32_t upper_beam = c.read<int32_t>("HNSW upper beam");
    // faiss never writes another upper beam, and 0 makes HNSW::search write through a null pointer (found by
    // FuzzIndexFile); the ef values size per-search buffers, so they are bounded as well.
    check(upper_beam == 1, "the HNSW upper beam " + std::to_string(upper_beam) + " is not 1");
    check(ef_construction >= 1 && ef_construction <= (1 << 16) && ef_search >= 1 && ef_search <= (1 << 16),
          "the HNSW efConstruction/efSearch (" + std::to_string(ef_construction) + ", " + std::to_string(ef_search) +
                  ") are outside 1...65536");

    const size_t n = (size_t)h.ntotal;
    check(levels_count == n, "the HNSW graph has " + std::to_string(levels_count) + " levels for " +
                                     std::to_string(n) + " vectors");
    check(offsets_count == n + 1, "the HNSW offsets table does not have one entry per vector plus one");
    check(cum_count >= 1 && c.at<int32_t>(cum_start, 0) == 0, "the HNSW per-level neighbour table is malformed");
    for (size_t i = 1; i < cum_count; i++) {
        check(c.at<int32_t>(cum_start, i) >= c.at<int32_t>(cum_start, i - 1),
              "the HNSW per-level neighbour table decreases");
    }
    check(max_level >= -1 && (max_level < 0 || (size_t)max_level + 1 < cum_count),
          "the HNSW max level " + std::to_string(max_level) + " has no neighbour table");
    check(n == 0 ? entry_point == -1 || entry_point == 0 : entry_point >= 0 && (size_t)entry_point < n,
          "the HNSW entry point " + std::to_string(entry_point) + " is not a vector");
    check(c.at<uint64_t>(offsets_start, 0) == 0 && c.at<uint64_t>(offsets_start, n) == neighbors_count,
          "the HNSW offsets do not span the neighbour table");
    for (size_t i = 0; i < n; i++) {
        const int32_t level = c.at<int32_t>(levels_start, i);
        check(level >= 1 && (size_t)level < cum_count && level - 1 <= max_level,
              "HNSW vector " + std::to_string(i) + " has level " + std::to_string(level));
        const uint64_t begin = c.at<uint64_t>(offsets_start, i);
        const uint64_t end = c.at<uint64_t>(offsets_start, i + 1);
        check(begin <= end && end - begin == (uint64_t)c.at<int32_t>(cum_start, (size_t)level),
              "HNSW vector " + std::to_string(i) + " has a neighbour list of the wrong length");
        // Neighbour j at layer l must itself live on layer l, or a search would read another vector's list.
        for (int32_t layer = 0; layer < level; layer++) {
            const uint64_t from = begin + (uint64_t)c.at<int32_t>(cum_start, (size_t)layer);
            const uint64_t to = begin + (uint64_t)c.at<int32_t>(cum_start, (size_t)layer + 1);
            for (uint64_t k = from; k < to; k++) {
                const int32_t neighbor = c.at<int32_t>(neighbors_start, (size_t)k);
                check(neighbor >= -1 && neighbor < (int64_t)n &&
                              (neighbor < 0 || c.at<int32_t>(levels_start, (size_t)neighbor) > layer),
                      "HNSW vector " + std::to_string(i) + " links to " + std::to_string(neighbor) +
                              ", which is not a vector on that layer");
            }
        }
    }
    if (n > 0) {
        check(c.at<int32_t>(levels_start, (size_t)entry_point) - 1 == max_level,
              "the HNSW entry point is not on the top layer");
    }
}

void check_inverted_lists(Cursor& c, size_t nlist, size_t code_size) {
    const uint32_t kind = c.read<uint32_t>("inverted list type");
    check(kind == fourcc("ilar"), "inverted lists of type '" + fourcc_text(kind) + "' are not Glossa's");
    check(c.read<uint64_t>("inverted list count") == nlist, "the inverted lists disagree with nlist");
    check(c.read<uint64_t>("inverted list code size") == code_size, "the inverted lists have another code size");
    std::vector<uint64_t> sizes(nlist, 0);
    const uint32_t layout = c.read<uint32_t>("inverted list size layout");
    size_t start = 0;
    if (layout == fourcc("full")) {
        check(c.vector(8, "inverted list sizes", &start) == nlist, "the inverted list sizes disagree with nlist");
        for (size_t i = 0; i < nlist; i++) {
            sizes[i] = c.at<uint64_t>(start, i);
        }
    } else if (layout == fourcc("sprs")) {
        const size_t count = c.vector(8, "sparse inverted list sizes", &start);
        check(count % 2 == 0, "the sparse inverted list sizes are not pairs");
        for (size_t j = 0; j < count; j += 2) {
            const uint64_t list = c.at<uint64_t>(start, j);
            check(list < nlist, "a sparse inverted list size names list " + std::to_string(list));
            sizes[list] = c.at<uint64_t>(start, j + 1);
        }
    } else {
        throw Refused("unknown inverted list size layout '" + fourcc_text(layout) + "'");
    }
    for (size_t i = 0; i < nlist; i++) {
        check(sizes[i] <= c.remaining() / (code_size + 8),
              "inverted list " + std::to_string(i) + " claims more entries than the file holds");
        c.need((size_t)sizes[i] * (code_size + 8), "inverted list");
        c.position += (size_t)sizes[i] * (code_size + 8);
    }
}

// The part every IVF index writes after its index header: nlist, nprobe, the coarse quantizer, the direct map.
// Returns nlist.
uint64_t check_ivf_header(Cursor& c, const Header& header, int depth) {
    const uint64_t nlist = c.read<uint64_t>("nlist");
    c.read<uint64_t>("nprobe");
    // Every list has a centroid of d floats in the quantizer, so nlist is bounded by the file size.
    check(nlist >= 1 && nlist <= c.size / 4, "nlist " + std::to_string(nlist) + " cannot fit in the file");
    const Header quantizer = check_index(c, depth + 1);
    check(quantizer.d == header.d && (uint64_t)quantizer.ntotal == nlist,
          "the IVF quantizer does not hold one centroid per list");
    const uint8_t direct_map = c.read<uint8_t>("direct map type");
    check(direct_map <= 2, "unknown direct map type " + std::to_string(direct_map));
    c.vector(8, "direct map");
    if (direct_map == 2) {
        c.vector(16, "direct map hash table");
    }
    return nlist;
}

Header check_index(Cursor& c, int depth) {
    check(depth < 4, "the index nests wrappers more than 4 deep");
    const uint32_t h = c.read<uint32_t>("index type");
    if (h == fourcc("IxFI") || h == fourcc("IxF2")) {
        const Header header = read_header(c);
        const size_t floats = c.vector(4, "flat vectors");
        check(floats == (size_t)header.ntotal * (size_t)header.d, "the flat vectors disagree with the vector count");
        return header;
    }
    if (h == fourcc("IxM2") || h == fourcc("IxMp")) {
        const Header header = read_header(c);
        const Header inner = check_index(c, depth + 1);
        check(inner.d == header.d && inner.ntotal == header.ntotal, "the IDMap's sub-index disagrees with it");
        check(c.vector(8, "id table") == (size_t)header.ntotal, "the IDMap's id table disagrees with ntotal");
        return header;
    }
    if (h == fourcc("IwFl")) {
        const Header header = read_header(c);
        const uint64_t nlist = check_ivf_header(c, header, depth);
        check_inverted_lists(c, (size_t)nlist, (size_t)header.d * 4);
        return header;
    }
    if (h == fourcc("IwSq") || h == fourcc("IwPQ")) {
        // ivf-sq8 and ivf-pq (faiss 1.7.3 index_write.cpp): the IVF header as for IVF-Flat, then the codec,
        // then inverted lists of codes instead of floats.
        const Header header = read_header(c);
        const uint64_t nlist = check_ivf_header(c, header, depth);
        size_t code_size = 0;
        if (h == fourcc("IwSq")) {
            const int32_t qtype = c.read<int32_t>("scalar quantizer type");
            c.read<int32_t>("scalar quantizer range statistic");
            c.read<float>("scalar quantizer range argument");
            const uint64_t d = c.read<uint64_t>("scalar quantizer dimension");
            const uint64_t sq_code_size = c.read<uint64_t>("scalar quantizer code size");
            // QT_8bit .. QT_6bit, QT_bf16 and the 8-bit direct types; the trained ranges hold at most 2 d floats.
            check(qtype >= 0 && qtype <= 8, "unknown scalar quantizer type " + std::to_string(qtype));
            check(d == (uint64_t)header.d, "the scalar quantizer's dimension disagrees with the index");
            check(c.vector(4, "scalar quantizer ranges") <= 2 * d, "the scalar quantizer has too many ranges");
            code_size = (size_t)c.read<uint64_t>("code size");
            check(code_size == sq_code_size && code_size >= 1 && code_size <= 4 * d,
                  "the scalar quantizer's code size " + std::to_string(code_size) + " does not fit its dimension");
            c.read<uint8_t>("by-residual flag");
        } else {
            c.read<uint8_t>("by-residual flag");
            code_size = (size_t)c.read<uint64_t>("code size");
            const uint64_t d = c.read<uint64_t>("product quantizer dimension");
            const uint64_t m = c.read<uint64_t>("product quantizer sub-quantizer count");
            const uint64_t nbits = c.read<uint64_t>("product quantizer bits");
            check(d == (uint64_t)header.d && m >= 1 && d % m == 0,
                  "the product quantizer's " + std::to_string(m) + " sub-quantizers do not divide the dimension");
            check(nbits >= 1 && nbits <= 16, "the product quantizer's " + std::to_string(nbits) + " bits are outside 1...16");
            check(code_size == (m * nbits + 7) / 8, "the product quantizer's code size disagrees with M and bits");
            check(c.vector(4, "product quantizer centroids") == (size_t)(d << nbits),
                  "the product quantizer's centroids are not 2^bits per sub-quantizer");
        }
        check_inverted_lists(c, (size_t)nlist, code_size);
        return header;
    }
    if (h == fourcc("IHNf")) {
        const Header header = read_header(c);
        check_hnsw(c, header);
        const Header storage = check_index(c, depth + 1);
        check(storage.d == header.d && storage.ntotal == header.ntotal,
              "the HNSW storage disagrees with the graph");
        return header;
    }
    throw Refused(
            "index type '" + fourcc_text(h) +
            "' is not one Glossa checks before loading (Flat, IDMap, IVF-Flat, IVF-SQ, IVF-PQ, HNSW-Flat)");
}

} // namespace

bool check_index_file(const uint8_t* data, size_t size, std::string* reason) {
    Cursor cursor{data, size};
    try {
        check_index(cursor, 0);
        check(cursor.position == size,
              std::to_string(size - cursor.position) + " bytes follow the index (not a faiss index file?)");
    } catch (const Refused& refused) {
        *reason = refused.what();
        return false;
    }
    return true;
}

} // namespace glossa
