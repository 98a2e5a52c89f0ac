// Glossa's structural check of a faiss index file's bytes, run before faiss::read_index (index_check.cpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace glossa {

/// True when `data` is a complete index of a layout Glossa writes whose every length fits the file and whose
/// every HNSW link names a vector; else false with the reason in *reason. Never throws, never allocates more
/// than the message.
bool check_index_file(const uint8_t* data, size_t size, std::string* reason);

} // namespace glossa
