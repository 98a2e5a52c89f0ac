// Writes the FAISS seeds of FuzzIndexFile (Fuzz/corpus/FuzzIndexFile/): the index layouts Glossa stores
// (IDMap2 over Flat and HNSW, IVF-Flat), tiny, through faiss::write_index itself. Build and run from the repo root:
//   g++ -std=c++17 -O1 scripts/fuzz/make_index_seeds.cpp -lfaiss -lgomp -lblas -llapack -o /tmp/seeds && /tmp/seeds
#include <faiss/index_factory.h>
#include <faiss/index_io.h>
#include <faiss/IndexIDMap.h>

#include <memory>
#include <string>
#include <vector>

int main() {
    const int d = 4;
    const int n = 12;
    std::vector<float> x(n * d);
    std::vector<faiss::Index::idx_t> ids(n);
    for (int i = 0; i < n * d; i++) {
        x[i] = (float)((i * 7919) % 23) / 23.0f - 0.5f;
    }
    for (int i = 0; i < n; i++) {
        ids[i] = 1000 + 3 * i;
    }
    const std::string dir = "Fuzz/corpus/FuzzIndexFile/";
    for (const char* factory : {"Flat", "HNSW4", "IVF2,Flat"}) {
        std::unique_ptr<faiss::Index> index(faiss::index_factory(d, factory, faiss::METRIC_INNER_PRODUCT));
        faiss::Index* target = index.get();
        std::unique_ptr<faiss::IndexIDMap2> wrapped;
        if (std::string(factory) != "IVF2,Flat") {
            wrapped = std::make_unique<faiss::IndexIDMap2>(index.get());
            target = wrapped.get();
        }
        target->train(n, x.data());
        target->add_with_ids(n, x.data(), ids.data());
        std::string name = factory;
        for (auto& c : name) {
            c = c == ',' ? '-' : c;
        }
        faiss::write_index(target, (dir + name + ".faiss").c_str());
        // The same layout with nothing stored, as an empty shard is written.
        std::unique_ptr<faiss::Index> empty(faiss::index_factory(d, factory, faiss::METRIC_INNER_PRODUCT));
        faiss::Index* emptyTarget = empty.get();
        std::unique_ptr<faiss::IndexIDMap2> emptyWrapped;
        if (std::string(factory) != "IVF2,Flat") {
            emptyWrapped = std::make_unique<faiss::IndexIDMap2>(empty.get());
            emptyTarget = emptyWrapped.get();
        } else {
            emptyTarget->train(n, x.data());
        }
        faiss::write_index(emptyTarget, (dir + name + "-empty.faiss").c_str());
    }
    return 0;
}
