// Per-thread top-k heaps for CFaiss's threaded scans (the flat panel kernel, the IVF list scan): thread 0
// writes straight into the caller's (nq, k) output, the others into heaps of their own, merged at the end.
#pragma once

#include <faiss/utils/Heap.h>

#include <cstdint>
#include <thread>
#include <vector>

namespace glossa {

class ThreadHeaps {
public:
    /// `scores`, `labels`: the output heaps (thread 0's), initialised by the caller; the others start empty.
    ThreadHeaps(int threads, int64_t nq, int64_t k, float* scores, int64_t* labels)
            : threads_(threads), nq_(nq), k_(k), scores_(scores), labels_(labels),
              extra_scores_((threads - 1) * nq * k), extra_labels_((threads - 1) * nq * k) {
        for (int t = 1; t < threads; t++) {
            for (int64_t q = 0; q < nq; q++) {
                faiss::minheap_heapify(k, this->scores(t) + q * k, this->labels(t) + q * k);
            }
        }
    }

    float* scores(int t) { return t == 0 ? scores_ : extra_scores_.data() + (t - 1) * nq_ * k_; }
    int64_t* labels(int t) { return t == 0 ? labels_ : extra_labels_.data() + (t - 1) * nq_ * k_; }

    /// Runs worker(t) for t = 1 … threads - 1 on threads of their own and worker(0) on this one, then pushes
    /// every other thread's hits into thread 0's heaps (still in heap order; the caller reorders).
    template <typename Worker>
    void run_and_merge(Worker&& worker) {
        std::vector<std::thread> pool;
        for (int t = 1; t < threads_; t++) pool.emplace_back(worker, t);
        worker(0);
        for (auto& thread : pool) thread.join();
        for (int64_t q = 0; q < nq_; q++) {
            float* s = scores_ + q * k_;
            int64_t* l = labels_ + q * k_;
            for (int t = 1; t < threads_; t++) {
                const float* ts = scores(t) + q * k_;
                const int64_t* tl = labels(t) + q * k_;
                for (int64_t i = 0; i < k_; i++) {
                    if (tl[i] >= 0 && ts[i] > s[0]) faiss::minheap_replace_top(k_, s, l, ts[i], tl[i]);
                }
            }
        }
    }

private:
    int threads_;
    int64_t nq_, k_;
    float* scores_;
    int64_t* labels_;
    std::vector<float> extra_scores_;
    std::vector<int64_t> extra_labels_;
};

} // namespace glossa
