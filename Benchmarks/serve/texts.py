"""Benchmarks/serve/texts.py — the inputs of the serve benchmark, made from committed files, deterministically.

- queries: Benchmarks/data/queries.txt (1000 XQuAD-R questions in ar de en es ru zh), short single texts.
- passages: Benchmarks/data/passages.txt (500 XQuAD-R contexts of 120-128 model ids).
- documents (seed, live writes, bulk writes): windows of W sentencepiece pieces cut out of the passages at
  several phase offsets, so that every document is a different multilingual text. Each kind uses its own window
  length (seed 48, live 32, bulk 24 pieces), so the kinds do not repeat one another's texts.
Token counts are the model's input length: <s> + pieces of (prefix + text) + </s>, at most 512, as Glossa and
transformers' XLMRobertaTokenizer count them.
"""

import json
import pathlib

MAX_IDS = 512
QUERY_PREFIX = "query: "
PASSAGE_PREFIX = "passage: "
# Window length in pieces and the phase offsets of each document kind.
WINDOWS = {"seed": (48, (0, 12, 24, 36)), "live": (32, (0, 4, 8, 12, 16, 20, 24, 28)),
           "bulk": (24, (0, 6, 12, 18))}


def read_lines(path: str | pathlib.Path) -> list[str]:
    p = pathlib.Path(path)
    if not p.is_file():
        raise SystemExit(f"texts: {p} does not exist; run Benchmarks/make_bench_texts.py first")
    return [line for line in p.read_text(encoding="utf-8").split("\n") if line.strip()]


class TokenCounter:
    """Model input length of a text with the folder's sentencepiece model (XLM-R semantics, no truncation
    beyond 512)."""

    def __init__(self, spm_path: str | pathlib.Path):
        import sentencepiece

        self.sp = sentencepiece.SentencePieceProcessor(model_file=str(spm_path))

    def count(self, text: str) -> int:
        return min(MAX_IDS, len(self.sp.encode(text)) + 2)

    def pieces(self, text: str) -> list[str]:
        return self.sp.encode(text, out_type=str)

    def join(self, pieces: list[str]) -> str:
        return self.sp.decode_pieces(pieces).strip()


def fragments(passages: list[str], counter: TokenCounter, kind: str):
    """Endless deterministic stream of distinct texts of `kind` (see WINDOWS); after the windows run out it
    starts over with a " (round n)" suffix, so texts stay distinct."""
    length, phases = WINDOWS[kind]
    pieces = [counter.pieces(p) for p in passages]
    windows = []
    for phase in phases:
        for piece_list in pieces:
            for start in range(phase, len(piece_list) - length // 2, length):
                windows.append(piece_list[start : start + length])
    texts = [counter.join(w) for w in windows]
    texts = [t for t in dict.fromkeys(texts) if len(t) >= 8]
    round_ = 0
    while True:
        for text in texts:
            yield text if round_ == 0 else f"{text} (round {round_})"
        round_ += 1


def seed_documents(samples: str | pathlib.Path, passages: list[str], counter: TokenCounter, total: int,
                   whole_passages: int = 500):
    """The seed collection: samples/passages.jsonl, then the first `whole_passages` benchmark passages, then
    generated windows, `total` documents in all (at least the samples and those passages)."""
    docs = [json.loads(line) for line in pathlib.Path(samples).read_text(encoding="utf-8").splitlines()
            if line.strip()]
    for i, text in enumerate(passages[:whole_passages]):
        docs.append({"id": f"passage-{i:04d}", "text": text, "metadata": {"source": "xquad-r", "kind": "passage"}})
    stream = fragments(passages, counter, "seed")
    i = 0
    while len(docs) < total:
        docs.append({"id": f"seed-{i:05d}", "text": next(stream), "metadata": {"source": "generated", "kind": "seed"}})
        i += 1
    return docs
