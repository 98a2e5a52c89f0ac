// CActivation's AVX-512 and AVX2 GELU. Why C: in the int8 encoder on batches of queries GELU took 11 % of the
// cycles (perf, 2026-12-06), as the Swift SIMD8 code runs 8 lanes without fused multiply-adds (Swift does not
// contract a * b + c); here 16 (or 8) lanes with FMA. Compiled for AVX-512 or AVX2 by target attributes on
// these functions only, so the library still loads on any x86-64; callers check the CPU first. The two kernels
// run the same operations in the same order (2^n by exponent bits where AVX-512 has scalef, both exact for the
// clamped range), so they give the same values bit for bit.
#include "CActivation.h"

#include <immintrin.h>

#include "exp_avx512.h"

#define AVX2_TARGET __attribute__((target("avx2,fma")))

int glossa_act_cpu_has_avx512(void) {
    // __builtin_cpu_supports also checks that the OS saves the AVX-512 state (XGETBV).
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f");
}

int glossa_act_cpu_has_avx2(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

// erf(x): Abramowitz & Stegun 7.1.26 (|error| ≤ 1.5e-7), the sign restored at the end.
AVX512_TARGET static inline __m512 erf16(__m512 x) {
    const __m512 one = _mm512_set1_ps(1.0f);
    const __m512 ax = _mm512_abs_ps(x);
    const __m512 t = _mm512_div_ps(one, _mm512_fmadd_ps(ax, _mm512_set1_ps(0.3275911f), one));
    __m512 r = _mm512_fmadd_ps(t, _mm512_set1_ps(1.061405429f), _mm512_set1_ps(-1.453152027f));
    r = _mm512_fmadd_ps(r, t, _mm512_set1_ps(1.421413741f));
    r = _mm512_fmadd_ps(r, t, _mm512_set1_ps(-0.284496736f));
    r = _mm512_fmadd_ps(r, t, _mm512_set1_ps(0.254829592f));
    const __m512 gaussian = exp16(_mm512_mul_ps(_mm512_sub_ps(_mm512_setzero_ps(), x), x));
    const __m512 e = _mm512_fnmadd_ps(_mm512_mul_ps(r, t), gaussian, one);
    // Copy x's sign bit onto e (e ≥ 0 here): erf is odd.
    const __m512i sign = _mm512_and_epi32(_mm512_castps_si512(x), _mm512_set1_epi32((int)0x80000000u));
    return _mm512_castsi512_ps(_mm512_or_epi32(_mm512_castps_si512(e), sign));
}

AVX512_TARGET void glossa_gelu_bias_avx512(float* x, int rows, int cols, int ld, const float* bias) {
    const __m512 half = _mm512_set1_ps(0.5f);
    const __m512 inverse_sqrt2 = _mm512_set1_ps(0.70710678118654752f);
    for (int r = 0; r < rows; r++) {
        float* row = x + (size_t)r * (size_t)ld;
        for (int c = 0; c < cols; c += 16) {
            const int left = cols - c;
            const __mmask16 mask = left >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << left) - 1);
            __m512 v = _mm512_maskz_loadu_ps(mask, row + c);
            if (bias) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(mask, bias + c));
            // x · ½ · (1 + erf(x / √2)) = ½x + ½x · erf(x / √2)
            const __m512 h = _mm512_mul_ps(v, half);
            const __m512 g = _mm512_fmadd_ps(h, erf16(_mm512_mul_ps(v, inverse_sqrt2)), h);
            _mm512_mask_storeu_ps(row + c, mask, g);
        }
    }
}

// The AVX2 twins of exp16 and erf16: the same constants and operations, 8 lanes.
AVX2_TARGET static inline __m256 exp8(__m256 x) {
    x = _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(-87.3f)), _mm256_set1_ps(88.3f));
    const __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504f)),
                                     _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    x = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
    x = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), x);
    __m256 p = _mm256_set1_ps(1.9875691500e-4f);
    p = _mm256_fmadd_ps(p, x, _mm256_set1_ps(1.3981999507e-3f));
    p = _mm256_fmadd_ps(p, x, _mm256_set1_ps(8.3334519073e-3f));
    p = _mm256_fmadd_ps(p, x, _mm256_set1_ps(4.1665795894e-2f));
    p = _mm256_fmadd_ps(p, x, _mm256_set1_ps(1.6666665459e-1f));
    p = _mm256_fmadd_ps(p, x, _mm256_set1_ps(5.0000001201e-1f));
    const __m256 y = _mm256_add_ps(_mm256_fmadd_ps(_mm256_mul_ps(p, x), x, x), _mm256_set1_ps(1.0f));
    // 2^n from its exponent bits: n is in −126…127 after the clamp, so 2^n is normal and y · 2^n is what
    // AVX-512's scalef gives.
    const __m256i bits = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
    return _mm256_mul_ps(y, _mm256_castsi256_ps(bits));
}

AVX2_TARGET static inline __m256 erf8(__m256 x) {
    const __m256 one = _mm256_set1_ps(1.0f);
    const __m256 sign_bit = _mm256_castsi256_ps(_mm256_set1_epi32((int)0x80000000u));
    const __m256 ax = _mm256_andnot_ps(sign_bit, x);
    const __m256 t = _mm256_div_ps(one, _mm256_fmadd_ps(ax, _mm256_set1_ps(0.3275911f), one));
    __m256 r = _mm256_fmadd_ps(t, _mm256_set1_ps(1.061405429f), _mm256_set1_ps(-1.453152027f));
    r = _mm256_fmadd_ps(r, t, _mm256_set1_ps(1.421413741f));
    r = _mm256_fmadd_ps(r, t, _mm256_set1_ps(-0.284496736f));
    r = _mm256_fmadd_ps(r, t, _mm256_set1_ps(0.254829592f));
    const __m256 gaussian = exp8(_mm256_mul_ps(_mm256_sub_ps(_mm256_setzero_ps(), x), x));
    const __m256 e = _mm256_fnmadd_ps(_mm256_mul_ps(r, t), gaussian, one);
    return _mm256_or_ps(e, _mm256_and_ps(x, sign_bit));
}

AVX2_TARGET void glossa_gelu_bias_avx2(float* x, int rows, int cols, int ld, const float* bias) {
    const __m256 half = _mm256_set1_ps(0.5f);
    const __m256 inverse_sqrt2 = _mm256_set1_ps(0.70710678118654752f);
    for (int r = 0; r < rows; r++) {
        float* row = x + (size_t)r * (size_t)ld;
        for (int c = 0; c < cols; c += 8) {
            const int left = cols - c;
            // Lane i is loaded and stored when i < left (the mask's sign bit).
            const __m256i mask = _mm256_cmpgt_epi32(_mm256_set1_epi32(left), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
            __m256 v = _mm256_maskload_ps(row + c, mask);
            if (bias) v = _mm256_add_ps(v, _mm256_maskload_ps(bias + c, mask));
            const __m256 h = _mm256_mul_ps(v, half);
            const __m256 g = _mm256_fmadd_ps(h, erf8(_mm256_mul_ps(v, inverse_sqrt2)), h);
            _mm256_maskstore_ps(row + c, mask, g);
        }
    }
}
