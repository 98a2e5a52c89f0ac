// The packed layout shared by CInt8's kernels (not part of the public header).
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "CInt8.h"

/// Bytes of one (16 rows × 32 inputs) block: 8 groups of 16 rows × 4 inputs.
#define Q8_BLOCK_BYTES (GLOSSA_Q8_TILE * GLOSSA_Q8_BLOCK)
/// Where block b of row tile `tile` starts, with nb blocks per row.
#define Q8_BLOCK_OFFSET(tile, b, nb) (((size_t)(tile) * (size_t)(nb) + (size_t)(b)) * Q8_BLOCK_BYTES)
/// Where the 16 scales of block b of row tile `tile` start.
#define Q8_SCALE_OFFSET(tile, b, nb) (((size_t)(tile) * (size_t)(nb) + (size_t)(b)) * GLOSSA_Q8_TILE)

/// One product's operands, as glossa_q8_gemm received them (kp = k rounded up to 32, nb = kp / 32), for either
/// kernel: out[r, j] for r < t, j in [n0, n1), n0 a multiple of 16.
typedef struct {
    const int8_t* xq;
    const float* xs;
    const int32_t* xc;
    int t;
    int kp;
    int nb;
    const uint8_t* packed;
    const float* scales;
    int max_abs_weight;
    int n0;
    int n1;
    const float* bias;
    float* out;
    int ldo;
} q8_product;

/// The AVX512-VNNI product (int8_vnni.c).
void glossa_q8_gemm_vnni(const q8_product* p);

/// The AVX2 product (int8_avx2.c).
void glossa_q8_gemm_avx2(const q8_product* p);

/// The AVX-512 and AVX2 twins of the portable activation quantiser (int8_vnni.c, int8_avx2.c); the same
/// arguments as glossa_q8_quantize_rows.
void glossa_q8_quantize_rows_avx512(
    const float* x, int t, int k, int ldx, int8_t* q, float* scales, int32_t* comp);
void glossa_q8_quantize_rows_avx2(
    const float* x, int t, int k, int ldx, int8_t* q, float* scales, int32_t* comp);

/// Rows are taken Q8_ROW_BLOCK at a time so that their quantised inputs stay in L2 while every column tile passes.
#define Q8_ROW_BLOCK 64

/// The SIMD kernels cut `rows` tokens into q8_tile_count near-equal tiles of at most max_rows, tile i holding
/// q8_tile_rows tokens: 13 tokens in tiles of at most 6 go 5 + 4 + 4, not 6 + 6 + 1, whose one-token tile reads
/// the weights for a single row.
static inline int q8_tile_count(int rows, int max_rows) { return (rows + max_rows - 1) / max_rows; }
static inline int q8_tile_rows(int rows, int count, int i) { return rows / count + (i < rows % count ? 1 : 0); }

/// Row r of the product's output.
static inline float* out_row(const q8_product* p, int r) { return p->out + (size_t)r * p->ldo; }
