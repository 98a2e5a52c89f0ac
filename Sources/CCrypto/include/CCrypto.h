// CCrypto: SHA-256 and SHA-1 over OpenSSL's libcrypto (which uses the CPU's SHA extensions), owned by
// GlossaCollection for bundle checksums (SHA-256 of multi-GB files) and UUIDv5 ids (SHA-1, RFC 4122).
// Opaque handle, int status (0 = success); no OpenSSL type crosses this header.
#pragma once

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// An incremental SHA-256 digest. Free with glossa_sha256_free.
typedef struct glossa_sha256 glossa_sha256;

/// A new digest, or NULL when OpenSSL cannot allocate one.
glossa_sha256* glossa_sha256_new(void);

/// Feeds n bytes; returns 0 on success.
int glossa_sha256_update(glossa_sha256* digest, const void* bytes, size_t n);

/// Writes the 32-byte digest to out and resets nothing (call once); returns 0 on success.
int glossa_sha256_final(glossa_sha256* digest, uint8_t out[32]);

/// Frees a digest (NULL is allowed).
void glossa_sha256_free(glossa_sha256* digest);

/// One-shot SHA-1 of n bytes into out (20 bytes); returns 0 on success.
int glossa_sha1(const void* bytes, size_t n, uint8_t out[20]);

#ifdef __cplusplus
}
#endif
