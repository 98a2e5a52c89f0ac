// The C++ side of CSentencePiece: wraps sentencepiece::SentencePieceProcessor behind the flat C API in
// include/CSentencePiece.h. Every entry point catches all exceptions and turns them into a status plus a
// thread-local message, as faiss's c_api does.
#include "CSentencePiece.h"

#include <sentencepiece_processor.h>

#include <cstdint>
#include <cstdlib>
#include <exception>
#include <string>
#include <type_traits>

struct glossa_spm {
    sentencepiece::SentencePieceProcessor processor;
};

// The piece struct is filled field by field, but Swift reads it as a C struct: keep its layout fixed.
static_assert(sizeof(glossa_spm_piece) == 12, "glossa_spm_piece must be three packed 32-bit fields");
static_assert(std::is_trivially_copyable<glossa_spm_piece>::value, "glossa_spm_piece must be POD");

namespace {

thread_local std::string last_error;

int fail(int code, const std::string &message) {
    last_error = message;
    return code;
}

}  // namespace

#define GLOSSA_SPM_TRY try {
#define GLOSSA_SPM_CATCH_AND_RETURN                                                   \
    }                                                                                 \
    catch (const std::exception &e) {                                                 \
        return fail(GLOSSA_SPM_ERROR, std::string("sentencepiece exception: ") + e.what()); \
    }                                                                                 \
    catch (...) {                                                                     \
        return fail(GLOSSA_SPM_ERROR, "unknown C++ exception in sentencepiece");      \
    }                                                                                 \
    return GLOSSA_SPM_OK;

extern "C" {

const char *glossa_spm_last_error(void) { return last_error.c_str(); }

int glossa_spm_load(const char *path, glossa_spm **out) {
    GLOSSA_SPM_TRY
    if (path == nullptr || out == nullptr) {
        return fail(GLOSSA_SPM_INVALID_ARGUMENT, "glossa_spm_load: path and out must not be NULL");
    }
    *out = nullptr;
    auto *spm = new glossa_spm();
    const auto status = spm->processor.Load(path);
    if (!status.ok()) {
        delete spm;
        return fail(GLOSSA_SPM_ERROR, status.ToString());
    }
    *out = spm;
    GLOSSA_SPM_CATCH_AND_RETURN
}

void glossa_spm_free(glossa_spm *spm) {
    try {
        delete spm;
    } catch (...) {
        // A destructor must not throw into C; nothing else can be done here.
    }
}

int glossa_spm_piece_count(const glossa_spm *spm, int32_t *count) {
    GLOSSA_SPM_TRY
    if (spm == nullptr || count == nullptr) {
        return fail(GLOSSA_SPM_INVALID_ARGUMENT, "glossa_spm_piece_count: NULL argument");
    }
    *count = spm->processor.GetPieceSize();
    GLOSSA_SPM_CATCH_AND_RETURN
}

int glossa_spm_reserved_ids(const glossa_spm *spm, int32_t *unk, int32_t *bos, int32_t *eos, int32_t *pad) {
    GLOSSA_SPM_TRY
    if (spm == nullptr || unk == nullptr || bos == nullptr || eos == nullptr || pad == nullptr) {
        return fail(GLOSSA_SPM_INVALID_ARGUMENT, "glossa_spm_reserved_ids: NULL argument");
    }
    *unk = spm->processor.unk_id();
    *bos = spm->processor.bos_id();
    *eos = spm->processor.eos_id();
    *pad = spm->processor.pad_id();
    GLOSSA_SPM_CATCH_AND_RETURN
}

int glossa_spm_piece_to_id(const glossa_spm *spm, const char *piece, size_t length, int32_t *id) {
    GLOSSA_SPM_TRY
    if (spm == nullptr || id == nullptr || (piece == nullptr && length > 0)) {
        return fail(GLOSSA_SPM_INVALID_ARGUMENT, "glossa_spm_piece_to_id: NULL argument");
    }
    *id = spm->processor.PieceToId(std::string_view(piece == nullptr ? "" : piece, length));
    GLOSSA_SPM_CATCH_AND_RETURN
}

int glossa_spm_encode(const glossa_spm *spm, const char *text, size_t length, glossa_spm_piece **pieces,
                      size_t *count) {
    GLOSSA_SPM_TRY
    if (spm == nullptr || pieces == nullptr || count == nullptr || (text == nullptr && length > 0)) {
        return fail(GLOSSA_SPM_INVALID_ARGUMENT, "glossa_spm_encode: NULL argument");
    }
    *pieces = nullptr;
    *count = 0;
    // Spans come back as 32-bit offsets; refuse inputs they cannot address.
    if (length > UINT32_MAX) {
        return fail(GLOSSA_SPM_INVALID_ARGUMENT, "glossa_spm_encode: input longer than 4 GiB");
    }
    // Encode into the immutable wrapper's own proto so that the status is checked (the
    // EncodeAsImmutableProto convenience ignores it). begin/end are byte offsets into `text`.
    sentencepiece::ImmutableSentencePieceText spt;
    const auto status =
        spm->processor.Encode(std::string_view(text == nullptr ? "" : text, length), spt.mutable_proto());
    if (!status.ok()) {
        return fail(GLOSSA_SPM_ERROR, status.ToString());
    }
    const size_t n = spt.pieces_size();
    if (n == 0) {
        return GLOSSA_SPM_OK;
    }
    auto *out = static_cast<glossa_spm_piece *>(std::malloc(n * sizeof(glossa_spm_piece)));
    if (out == nullptr) {
        return fail(GLOSSA_SPM_ERROR, "glossa_spm_encode: out of memory");
    }
    for (size_t i = 0; i < n; ++i) {
        const auto piece = spt.pieces(static_cast<int>(i));
        out[i].id = static_cast<int32_t>(piece.id());
        out[i].begin = piece.begin();
        out[i].end = piece.end();
    }
    *pieces = out;
    *count = n;
    GLOSSA_SPM_CATCH_AND_RETURN
}

void glossa_spm_pieces_free(glossa_spm_piece *pieces) { std::free(pieces); }

}  // extern "C"
