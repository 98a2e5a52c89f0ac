// CSentencePiece: a flat C interface over Debian's libsentencepiece (0.1.97), so that no C++ type or
// exception reaches Swift. Opaque handle, int status (0 = ok), a thread-local last error, every entry
// wrapped in try/catch (the faiss c_api pattern). The only Swift owner is GlossaTokenizer.
#pragma once

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// A loaded sentencepiece model. Encoding through one handle from several threads at once is safe
/// (SentencePieceProcessor::Encode is const); loading and freeing are not.
typedef struct glossa_spm glossa_spm;

/// One piece of an encoding: its sentencepiece id and the byte span [begin, end) it covers in the
/// ORIGINAL (un-normalised) input buffer.
typedef struct glossa_spm_piece {
    int32_t id;
    uint32_t begin;
    uint32_t end;
} glossa_spm_piece;

/// Status codes. Any non-zero status leaves a message in glossa_spm_last_error().
enum {
    GLOSSA_SPM_OK = 0,
    GLOSSA_SPM_ERROR = 1,
    GLOSSA_SPM_INVALID_ARGUMENT = 2,
};

/// The message of the last failed call on this thread ("" if none). Valid until the next failing call
/// on the same thread.
const char *glossa_spm_last_error(void);

/// Loads the model at `path` (a NUL-terminated file path) into `*out`. Free with glossa_spm_free.
int glossa_spm_load(const char *path, glossa_spm **out);

/// Frees a handle from glossa_spm_load; NULL is allowed.
void glossa_spm_free(glossa_spm *spm);

/// Number of pieces in the model's vocabulary (sentencepiece ids are 0 ..< count).
int glossa_spm_piece_count(const glossa_spm *spm, int32_t *count);

/// The ids the model reserves: unknown, begin and end of sentence, padding (-1 when not defined).
int glossa_spm_reserved_ids(const glossa_spm *spm, int32_t *unk, int32_t *bos, int32_t *eos, int32_t *pad);

/// Looks up a piece given as `length` UTF-8 bytes; `*id` is the unknown id when it is not in the vocabulary.
int glossa_spm_piece_to_id(const glossa_spm *spm, const char *piece, size_t length, int32_t *id);

/// Encodes `length` bytes of UTF-8 `text` (no NUL needed). On success `*pieces` points to `*count` pieces
/// allocated with malloc (NULL when count is 0); release them with glossa_spm_pieces_free.
int glossa_spm_encode(const glossa_spm *spm, const char *text, size_t length, glossa_spm_piece **pieces,
                      size_t *count);

/// Frees the array returned by glossa_spm_encode; NULL is allowed.
void glossa_spm_pieces_free(glossa_spm_piece *pieces);

#ifdef __cplusplus
}
#endif
