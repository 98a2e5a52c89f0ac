// The packed layout shared by CFourBit's kernels (not part of the public header).
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "CFourBit.h"

/// Bytes of one tile's row of packed pairs: 16 rows, one byte (two inputs) each.
#define Q4_PAIR_BYTES GLOSSA_Q4_TILE
/// Where tile `tile` starts, for k inputs.
#define Q4_TILE_OFFSET(tile, k) ((size_t)(tile) * (size_t)(k) / 2 * Q4_PAIR_BYTES)
/// Where the 16 scales of block b of tile `tile` start, with nb blocks per row.
#define Q4_SCALE_OFFSET(tile, b, nb) (((size_t)(tile) * (size_t)(nb) + (size_t)(b)) * GLOSSA_Q4_TILE)

/// One product's operands, as glossa_q4_gemm received them: out[r, j] for r < t, j in [n0, n1).
typedef struct {
    const float* x;
    int t;
    int k;
    int ldx;
    const uint8_t* packed;
    const float* scales;
    int n0;
    int n1;
    const float* bias;
    float* out;
    int ldo;
} q4_product;

/// The AVX-512 product (fourbit_avx512.c).
void glossa_q4_gemm_avx512(const q4_product* p);
