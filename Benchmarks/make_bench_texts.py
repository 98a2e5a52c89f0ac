#!/usr/bin/env python3
# Benchmarks/make_bench_texts.py — writes the encode benchmark's shared inputs, so Glossa and its Python peers
# encode identical texts:
#   Benchmarks/data/queries.txt   1000 XQuAD-R questions, one per line; question i is taken in language i mod 6
#                                 (ar, de, en, es, ru, zh), so the 1000 lines are 1000 different questions.
#   Benchmarks/data/passages.txt  500 XQuAD-R contexts, one per line, each cut at a token boundary so that
#                                 "passage: " + text is at most 128 model ids (<s> and </s> included) and at
#                                 least 120; (paragraph, language) pairs interleave the six languages.
# Whitespace runs (including newlines) become single spaces. The cut uses the model's sentencepiece model and
# keeps the original characters (byte offsets of the pieces), so the text is not normalised.
#
#   Benchmarks/.venv/bin/python Benchmarks/make_bench_texts.py [--spm Models/multilingual-e5-small/sentencepiece.bpe.model]

import argparse
import json
import pathlib
import re
import sys

import sentencepiece as spm

LANGS = ["ar", "de", "en", "es", "ru", "zh"]
N_QUERIES = 1000
N_PASSAGES = 500
MAX_IDS = 128
MIN_IDS = 120
REPO = pathlib.Path(__file__).resolve().parent.parent


def one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def model_ids(sp: spm.SentencePieceProcessor, text: str) -> int:
    """Length of the model input for text: <s> + pieces + </s> (slow XLM-R semantics, no truncation)."""
    return len(sp.encode(text)) + 2


def cut(sp: spm.SentencePieceProcessor, context: str) -> str | None:
    """The longest prefix of context, ending at a piece boundary, whose "passage: " input fits MAX_IDS."""
    proto = sp.encode(context, return_type="proto")  # pieces carry byte offsets into context
    raw = context.encode("utf-8")
    budget = MAX_IDS - model_ids(sp, "passage:")  # what the text may add after the prefix
    for n in range(min(budget + 2, len(proto.pieces)), 0, -1):
        text = raw[: proto.pieces[n - 1].end].decode("utf-8", errors="ignore").strip()
        length = model_ids(sp, "passage: " + text)
        if length <= MAX_IDS:
            return text if length >= MIN_IDS else None
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description="Write Benchmarks/data/queries.txt and passages.txt")
    default_spm = REPO / "Models/multilingual-e5-small/sentencepiece.bpe.model"
    parser.add_argument("--spm", default=str(default_spm), help="the model folder's sentencepiece.bpe.model")
    parser.add_argument(
        "--xquad", default=str(REPO.parent / "shared/data/xquad-r"), help="shared/data/xquad-r"
    )
    parser.add_argument("--out", default=str(REPO / "Benchmarks/data"))
    args = parser.parse_args()
    if not pathlib.Path(args.spm).is_file():
        sys.exit(f"make_bench_texts: no sentencepiece model at {args.spm}; import the model first (make model) "
                 "or pass --spm")
    sp = spm.SentencePieceProcessor(model_file=args.spm)

    paragraphs = {}
    for lang in LANGS:
        path = pathlib.Path(args.xquad) / f"{lang}.json"
        if not path.is_file():
            sys.exit(f"make_bench_texts: missing {path}; pass --xquad pointing at shared/data/xquad-r")
        data = json.loads(path.read_text(encoding="utf-8"))
        paragraphs[lang] = [p for article in data["data"] for p in article["paragraphs"]]

    questions = {lang: [one_line(q["question"]) for p in ps for q in p["qas"]] for lang, ps in paragraphs.items()}
    queries = [questions[LANGS[i % len(LANGS)]][i] for i in range(N_QUERIES)]

    passages = []
    count = len(paragraphs["en"])
    for j in range(count * len(LANGS)):
        lang = LANGS[(j + j // count) % len(LANGS)]  # every (paragraph, language) pair once, languages interleaved
        text = cut(sp, one_line(paragraphs[lang][j % count]["context"]))
        if text is not None:
            passages.append(text)
        if len(passages) == N_PASSAGES:
            break
    if len(passages) < N_PASSAGES:
        sys.exit(f"make_bench_texts: only {len(passages)} contexts are long enough")

    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "queries.txt").write_text("\n".join(queries) + "\n", encoding="utf-8")
    (out / "passages.txt").write_text("\n".join(passages) + "\n", encoding="utf-8")
    q_ids = sum(model_ids(sp, "query: " + q) for q in queries)
    p_ids = sum(model_ids(sp, "passage: " + p) for p in passages)
    print(f"make_bench_texts: {len(queries)} queries ({q_ids} ids with prefix), "
          f"{len(passages)} passages ({p_ids} ids with prefix) in {out}")


if __name__ == "__main__":
    main()
