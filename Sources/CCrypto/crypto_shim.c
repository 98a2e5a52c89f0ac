// The CCrypto.h entries over OpenSSL 3's EVP interface (the SHA256_* calls are deprecated in 3.0).
#include "CCrypto.h"

#include <openssl/evp.h>

struct glossa_sha256 {
    EVP_MD_CTX* context;
};

glossa_sha256* glossa_sha256_new(void) {
    EVP_MD_CTX* context = EVP_MD_CTX_new();
    if (context == NULL) {
        return NULL;
    }
    if (EVP_DigestInit_ex(context, EVP_sha256(), NULL) != 1) {
        EVP_MD_CTX_free(context);
        return NULL;
    }
    glossa_sha256* digest = (glossa_sha256*)OPENSSL_malloc(sizeof(glossa_sha256));
    if (digest == NULL) {
        EVP_MD_CTX_free(context);
        return NULL;
    }
    digest->context = context;
    return digest;
}

int glossa_sha256_update(glossa_sha256* digest, const void* bytes, size_t n) {
    return EVP_DigestUpdate(digest->context, bytes, n) == 1 ? 0 : -1;
}

int glossa_sha256_final(glossa_sha256* digest, uint8_t out[32]) {
    unsigned int length = 0;
    return EVP_DigestFinal_ex(digest->context, out, &length) == 1 && length == 32 ? 0 : -1;
}

void glossa_sha256_free(glossa_sha256* digest) {
    if (digest != NULL) {
        EVP_MD_CTX_free(digest->context);
        OPENSSL_free(digest);
    }
}

int glossa_sha1(const void* bytes, size_t n, uint8_t out[20]) {
    unsigned int length = 0;
    return EVP_Digest(bytes, n, out, &length, EVP_sha1(), NULL) == 1 && length == 20 ? 0 : -1;
}
