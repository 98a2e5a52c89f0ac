// CInt8's portable half: weight packing, run-time activation quantisation (shared by both kernels, so both see
// the same integers) and the portable product, written as plain loops in the order the VNNI kernel computes.
// It is the fallback on CPUs without AVX2 and the twin the parity tests hold the SIMD kernels to.
#include "CInt8.h"
#include "int8_internal.h"

#include <math.h>
#include <string.h>

static int round_up(int value, int multiple) { return (value + multiple - 1) / multiple * multiple; }

size_t glossa_q8_packed_bytes(int n, int k) {
    return (size_t)round_up(n, GLOSSA_Q8_TILE) * (size_t)round_up(k, GLOSSA_Q8_BLOCK);
}

size_t glossa_q8_packed_scales(int n, int k) {
    return (size_t)round_up(n, GLOSSA_Q8_TILE) * (size_t)(round_up(k, GLOSSA_Q8_BLOCK) / GLOSSA_Q8_BLOCK);
}

void glossa_q8_pack_weights(
    const int8_t* q,
    const float* scales,
    int n,
    int k,
    uint8_t* packed,
    float* packed_scales) {
    const int tiles = round_up(n, GLOSSA_Q8_TILE) / GLOSSA_Q8_TILE;
    const int nb = round_up(k, GLOSSA_Q8_BLOCK) / GLOSSA_Q8_BLOCK;
    for (int tile = 0; tile < tiles; tile++) {
        for (int b = 0; b < nb; b++) {
            uint8_t* block = packed + Q8_BLOCK_OFFSET(tile, b, nb);
            float* block_scales = packed_scales + Q8_SCALE_OFFSET(tile, b, nb);
            for (int row = 0; row < GLOSSA_Q8_TILE; row++) {
                const int r = tile * GLOSSA_Q8_TILE + row;
                block_scales[row] = r < n ? scales[(size_t)r * nb + b] : 0.0f;
                for (int i = 0; i < GLOSSA_Q8_BLOCK; i++) {
                    const int c = b * GLOSSA_Q8_BLOCK + i;
                    const int value = (r < n && c < k) ? q[(size_t)r * k + c] : 0;
                    // Group i/4 holds inputs 4g..4g+3 of the 16 rows side by side: one VNNI operand.
                    block[(i / 4) * 64 + row * 4 + (i % 4)] = (uint8_t)(value + 128);
                }
            }
        }
    }
}

void glossa_q8_quantize_rows(
    const float* x,
    int t,
    int k,
    int ldx,
    int8_t* q,
    float* scales,
    int32_t* comp,
    int kernel) {
    // On a single query these loops took 20 % of the int8 encoder's cycles (as much as the products: the
    // running maxima stay scalar); the SIMD twins compute the same values in a few instructions a block.
    if (kernel == GLOSSA_Q8_KERNEL_VNNI && glossa_q8_cpu_has_vnni()) {
        glossa_q8_quantize_rows_avx512(x, t, k, ldx, q, scales, comp);
        return;
    }
    if (kernel == GLOSSA_Q8_KERNEL_AVX2 && glossa_q8_cpu_has_avx2()) {
        glossa_q8_quantize_rows_avx2(x, t, k, ldx, q, scales, comp);
        return;
    }
    const int kp = round_up(k, GLOSSA_Q8_BLOCK);
    const int nb = kp / GLOSSA_Q8_BLOCK;
    for (int r = 0; r < t; r++) {
        const float* row = x + (size_t)r * ldx;
        for (int b = 0; b < nb; b++) {
            const int start = b * GLOSSA_Q8_BLOCK;
            const int len = k - start < GLOSSA_Q8_BLOCK ? k - start : GLOSSA_Q8_BLOCK;
            // A zero-padded copy gives every block the same fixed-length loops, which the compiler vectorises.
            float block[GLOSSA_Q8_BLOCK] = {0};
            memcpy(block, row + start, sizeof(float) * (size_t)len);
            // Eight running maxima (a plain compare, not fmaxf, whose NaN rules keep it scalar): one vector
            // register instead of a chain of 32 dependent scalar maxima.
            float lanes[8] = {0};
            for (int i = 0; i < GLOSSA_Q8_BLOCK; i++) {
                const float a = fabsf(block[i]);
                lanes[i % 8] = a > lanes[i % 8] ? a : lanes[i % 8];
            }
            float amax = 0.0f;
            for (int i = 0; i < 8; i++) amax = lanes[i] > amax ? lanes[i] : amax;
            // Symmetric: 0 stays exactly 0, and ±max|x| map to ±127.
            const float inverse = amax > 0.0f ? 127.0f / amax : 0.0f;
            int8_t* out = q + (size_t)r * kp + start;
            int32_t sum = 0;
            for (int i = 0; i < GLOSSA_Q8_BLOCK; i++) {
                // Round to nearest even by adding and removing 1.5·2²³ (exact for |v| ≤ 2²²; v ≤ 127 here up to
                // rounding): unlike lrintf this vectorises on baseline x86-64, and gives the same integers.
                float rounded = (block[i] * inverse + 12582912.0f) - 12582912.0f;
                rounded = rounded > 127.0f ? 127.0f : (rounded < -127.0f ? -127.0f : rounded);
                const int32_t v = (int32_t)rounded;
                out[i] = (int8_t)v;
                sum += v;
            }
            scales[(size_t)r * nb + b] = amax / 127.0f;
            comp[(size_t)r * nb + b] = -128 * sum;
        }
    }
}

// One output: the same block loop as the VNNI kernel's lanes (integer sum, then tmp = sum · ws, acc += tmp · xs).
static float dot_portable(const int8_t* xq, const float* xs, const int32_t* xc, int nb, const uint8_t* tile_w,
                          const float* tile_s, int lane) {
    float acc = 0.0f;
    for (int b = 0; b < nb; b++) {
        const uint8_t* block = tile_w + (size_t)b * Q8_BLOCK_BYTES;
        int32_t sum = xc[b];
        for (int i = 0; i < GLOSSA_Q8_BLOCK; i++) {
            sum += (int32_t)block[(i / 4) * 64 + lane * 4 + (i % 4)] * (int32_t)xq[b * GLOSSA_Q8_BLOCK + i];
        }
        const float product = (float)sum * tile_s[(size_t)b * GLOSSA_Q8_TILE + lane];
        acc = fmaf(product, xs[b], acc);
    }
    return acc;
}

static void gemm_portable(const q8_product* p) {
    for (int r = 0; r < p->t; r++) {
        for (int j = p->n0; j < p->n1; j++) {
            const int tile = j / GLOSSA_Q8_TILE;
            const float acc = dot_portable(
                p->xq + (size_t)r * p->kp, p->xs + (size_t)r * p->nb, p->xc + (size_t)r * p->nb, p->nb,
                p->packed + Q8_BLOCK_OFFSET(tile, 0, p->nb), p->scales + Q8_SCALE_OFFSET(tile, 0, p->nb),
                j % GLOSSA_Q8_TILE);
            // Adding 0 when there is no bias keeps the VNNI kernel's (vector add of a zero bias) result.
            out_row(p, r)[j] = acc + (p->bias ? p->bias[j] : 0.0f);
        }
    }
}

void glossa_q8_gemm(
    const int8_t* xq,
    const float* xs,
    const int32_t* xc,
    int t,
    int k,
    const uint8_t* packed,
    const float* packed_scales,
    int max_abs_weight,
    int n,
    int n0,
    int n1,
    const float* bias,
    float* out,
    int ldo,
    int kernel) {
    const int kp = round_up(k, GLOSSA_Q8_BLOCK);
    const q8_product product = {
        xq, xs, xc, t, kp, kp / GLOSSA_Q8_BLOCK, packed, packed_scales, max_abs_weight, n0, n1 > n ? n : n1,
        bias, out, ldo,
    };
    if (t <= 0 || product.n0 >= product.n1) return;
    if (kernel == GLOSSA_Q8_KERNEL_VNNI && glossa_q8_cpu_has_vnni()) {
        glossa_q8_gemm_vnni(&product);
    } else if (kernel == GLOSSA_Q8_KERNEL_AVX2 && glossa_q8_cpu_has_avx2()) {
        glossa_q8_gemm_avx2(&product);
    } else {
        gemm_portable(&product);
    }
}
