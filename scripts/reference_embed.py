#!/usr/bin/env python3
# scripts/reference_embed.py — reference embeddings from transformers/PyTorch for cross-checks (eval, encoder).
#
#   Benchmarks/.venv/bin/python scripts/reference_embed.py --model Models/multilingual-e5-small \
#       --input texts.jsonl --output ref.jsonl [--kind query|passage|none] [--field text] [--batch 32]
#
# Input: JSONL, one object per line with the text in --field (default "text") and an optional "id" (else the
# line number). Output (.jsonl): {"id", "token_ids", "embedding"} per input line, in input order, floats with 9
# significant digits (exact fp32); with an .npy output path, a float32 [n, hidden] array instead.
#
# Semantics (those of /work/shared/golden): the prefix ("query: " / "passage: " / nothing) is put before the
# text; token ids follow the slow XLM-R tokenizer of transformers 4.x — special-token literals in the text
# (<s> <pad> </s> <unk> <mask>, the last one eating the whitespace to its left) become their ids, every other
# segment is sentencepiece-encoded, spm id + 1 (spm <unk> 0 -> 3), content cut to 510, then <s>=0 … </s>=2.
# --tokenizer hf uses transformers' XLMRobertaTokenizer (tokenizers backend) instead. The model is AutoModel
# (BertModel or XLMRobertaModel per config.json), fp32, eager attention, batches of --batch sorted by length,
# right-padded with <pad>=1 and an attention mask; mean pooling over the mask, then L2 normalisation.

import argparse
import json
import os
import pathlib
import re
import sys

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import numpy as np
import sentencepiece as spm
import torch
import transformers
from transformers import AutoModel

MAX_IDS = 512
BOS, PAD, EOS, UNK = 0, 1, 2, 3
PREFIXES = {"query": "query: ", "passage": "passage: ", "none": ""}
SPECIAL = re.compile(r"<s>|<pad>|</s>|<unk>|<mask>")


def has_pooler(folder: pathlib.Path) -> bool:
    """Whether model.safetensors holds pooler weights (mean pooling never uses them; this only keeps
    transformers from reporting missing or unexpected keys)."""
    from safetensors import safe_open

    with safe_open(str(folder / "model.safetensors"), "np") as f:
        return any(key.startswith("pooler.") for key in f.keys())


class SlowXLMRTokenizer:
    """transformers 4.x XLMRobertaTokenizer (slow) semantics on top of the sentencepiece model."""

    def __init__(self, model_file: pathlib.Path):
        self.sp = spm.SentencePieceProcessor(model_file=str(model_file))
        self.mask = self.sp.get_piece_size() + 1  # fairseq: <mask> comes after every spm piece (+ offset 1)
        self.specials = {"<s>": BOS, "<pad>": PAD, "</s>": EOS, "<unk>": UNK, "<mask>": self.mask}

    def content(self, text: str) -> list[int]:
        segments, last = [], 0
        for m in SPECIAL.finditer(text):
            segments.append(text[last : m.start()])
            segments.append(m.group())
            last = m.end()
        segments.append(text[last:])
        ids = []
        for i, seg in enumerate(segments):
            if i % 2 == 1:
                ids.append(self.specials[seg])
                continue
            if i + 1 < len(segments) and segments[i + 1] == "<mask>":  # <mask> has lstrip=True
                seg = seg.rstrip()
            if seg:
                ids += [UNK if x == 0 else x + 1 for x in self.sp.encode(seg)]
        return ids

    def __call__(self, text: str) -> list[int]:
        return [BOS] + self.content(text)[: MAX_IDS - 2] + [EOS]


class HFTokenizer:
    def __init__(self, folder: pathlib.Path):
        from transformers import XLMRobertaTokenizer

        self.tok = XLMRobertaTokenizer.from_pretrained(str(folder))

    def __call__(self, text: str) -> list[int]:
        return self.tok(text, truncation=True, max_length=MAX_IDS)["input_ids"]


def embed(model, batches: list[list[int]], batch: int) -> np.ndarray:
    order = sorted(range(len(batches)), key=lambda i: -len(batches[i]))
    out = np.empty((len(batches), model.config.hidden_size), dtype=np.float32)
    with torch.inference_mode():
        for start in range(0, len(order), batch):
            rows = order[start : start + batch]
            width = len(batches[rows[0]])
            input_ids = torch.full((len(rows), width), PAD, dtype=torch.long)
            mask = torch.zeros((len(rows), width), dtype=torch.long)
            for r, i in enumerate(rows):
                input_ids[r, : len(batches[i])] = torch.tensor(batches[i])
                mask[r, : len(batches[i])] = 1
            hidden = model(input_ids=input_ids, attention_mask=mask).last_hidden_state  # [B, T, H]
            m = mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * m).sum(dim=1) / m.sum(dim=1)
            out[rows] = torch.nn.functional.normalize(pooled, p=2, dim=1).numpy()
    return out


def read_jsonl(path: pathlib.Path, field: str) -> list[tuple[str, str]]:
    rows = []
    with path.open(encoding="utf-8") as f:
        for number, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as err:
                sys.exit(f"reference_embed: {path}:{number}: not JSON ({err}); each line must be one object")
            if not isinstance(obj, dict) or not isinstance(obj.get(field), str):
                sys.exit(f"reference_embed: {path}:{number}: no string field '{field}'; pass --field")
            rows.append((str(obj.get("id", number)), obj[field]))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description="transformers reference embeddings for a JSONL of texts")
    parser.add_argument("--model", required=True, help="model folder: config.json, model.safetensors, "
                        "sentencepiece.bpe.model")
    parser.add_argument("--input", required=True, help="JSONL with one text per line")
    parser.add_argument("--output", required=True, help=".jsonl (id, token_ids, embedding) or .npy")
    parser.add_argument("--kind", default="query", choices=sorted(PREFIXES))
    parser.add_argument("--field", default="text")
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--tokenizer", default="slow", choices=["slow", "hf"])
    args = parser.parse_args()

    folder = pathlib.Path(args.model)
    for name in ("config.json", "model.safetensors", "sentencepiece.bpe.model"):
        if not (folder / name).is_file():
            sys.exit(f"reference_embed: {folder / name} is missing; pass --model <model folder>")
    if not pathlib.Path(args.input).is_file():
        sys.exit(f"reference_embed: input {args.input} does not exist")
    torch.set_num_threads(args.threads)
    transformers.utils.logging.disable_progress_bar()

    rows = read_jsonl(pathlib.Path(args.input), args.field)
    tokenize = SlowXLMRTokenizer(folder / "sentencepiece.bpe.model") if args.tokenizer == "slow" else HFTokenizer(folder)
    ids = [tokenize(PREFIXES[args.kind] + text) for _, text in rows]
    model = AutoModel.from_pretrained(str(folder), attn_implementation="eager", dtype=torch.float32,
                                      add_pooling_layer=has_pooler(folder)).eval()
    vectors = embed(model, ids, args.batch)

    out = pathlib.Path(args.output)
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix == ".npy":
        np.save(out, vectors)
    else:
        with out.open("w", encoding="utf-8") as f:
            for (rid, _), tok, vec in zip(rows, ids, vectors):
                emb = [float(f"{x:.9g}") for x in vec.tolist()]
                f.write(json.dumps({"id": rid, "token_ids": tok, "embedding": emb}) + "\n")
    print(f"reference_embed: {len(rows)} texts ({args.kind}, {args.tokenizer} tokenizer) -> {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
