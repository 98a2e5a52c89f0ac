// The AVX-512 e^x that CActivation's GELU and attention share (not part of the public header, which Swift
// imports).
#pragma once

#include <immintrin.h>

#define AVX512_TARGET __attribute__((target("avx512f,fma")))

// e^x: Cephes expf (range reduction by ln 2 in two parts, degree-6 polynomial), the Swift vexp's formula.
// Inputs are clamped to [-87.3, 88.3] so that 2^n stays a normal number.
AVX512_TARGET static inline __m512 exp16(__m512 x) {
    x = _mm512_min_ps(_mm512_max_ps(x, _mm512_set1_ps(-87.3f)), _mm512_set1_ps(88.3f));
    const __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504f)),
                                          _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    x = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693359375f), x);
    x = _mm512_fnmadd_ps(n, _mm512_set1_ps(-2.12194440e-4f), x);
    __m512 p = _mm512_set1_ps(1.9875691500e-4f);
    p = _mm512_fmadd_ps(p, x, _mm512_set1_ps(1.3981999507e-3f));
    p = _mm512_fmadd_ps(p, x, _mm512_set1_ps(8.3334519073e-3f));
    p = _mm512_fmadd_ps(p, x, _mm512_set1_ps(4.1665795894e-2f));
    p = _mm512_fmadd_ps(p, x, _mm512_set1_ps(1.6666665459e-1f));
    p = _mm512_fmadd_ps(p, x, _mm512_set1_ps(5.0000001201e-1f));
    const __m512 y = _mm512_add_ps(_mm512_fmadd_ps(_mm512_mul_ps(p, x), x, x), _mm512_set1_ps(1.0f));
    // y · 2^n, exact for the clamped range.
    return _mm512_scalef_ps(y, n);
}
