#!/usr/bin/env python3
# scripts/make_tiny_xlmr.py — builds Tests/Fixtures/tiny-xlmr: a seeded, randomly initialised XLM-RoBERTa
# (hidden 32, 2 layers, 4 heads, FFN 64, 514 positions) with its own small sentencepiece unigram model,
# plus reference.json: token ids and L2-normalised mean-pooled embeddings computed by transformers
# (fp32, eager attention), one text at a time and as one padded batch. An `f16/` subfolder holds the same
# weights stored as F16 safetensors, with references computed from the F16-rounded weights in fp32.
#
# Run with the benchmark venv (make bench-venv):
#   Benchmarks/.venv/bin/python scripts/make_tiny_xlmr.py [--out Tests/Fixtures/tiny-xlmr]
# Needs /work/shared/data/tatoeba (or --tatoeba DIR) only to train the sentencepiece model.
#
# Tokenisation semantics ("slow" XLM-R): ids = [<s>=0] + [spm_id + 1 (spm <unk> 0 -> 3)] + [</s>=2], the
# content cut to 510 ids. transformers 5 has no slow XLMRobertaTokenizer any more, so this script applies the
# fairseq offset itself and records where transformers' (tokenizers-backed) XLMRobertaTokenizer differs.

import argparse
import io
import json
import os
import pathlib
import shutil
import sys
import tempfile

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import numpy as np
import sentencepiece as spm
import torch
from safetensors.torch import save_file
from transformers import XLMRobertaConfig, XLMRobertaModel

SEED = 20261128
MAX_IDS = 512  # <s> + 510 content ids + </s>
BOS, PAD, EOS, UNK = 0, 1, 2, 3

# Languages whose Tatoeba lines train the sentencepiece model (first LINES_PER_LANG lines of each).
TRAIN_LANGS = ["eng", "deu", "fra", "spa", "rus", "ara", "cmn", "jpn", "kor", "hin", "ell", "tur", "tha", "heb"]
LINES_PER_LANG = 60

LONG_TEXT = " ".join(
    [
        "Glossa encodes every passage with the same model, so a long passage must be cut at 510 content tokens.",
        "Der schnelle braune Fuchs springt über den faulen Hund, während die Sonne langsam untergeht.",
        "Быстрая коричневая лиса перепрыгивает через ленивую собаку, пока солнце медленно садится.",
        "敏捷的棕色狐狸跳过了懒狗，太阳慢慢地落下。",
    ]
    * 12
)

# (id, text): short, long, empty, multilingual, an unknown character, odd whitespace, truncation.
TEXTS = [
    ("en_short", "how are you"),
    ("empty", ""),
    ("de", "Wie viele Einwohner hat Berlin heute?"),
    ("ru", "Сколько людей живёт в Москве?"),
    ("zh", "北京有多少人口？"),
    ("ar", "كم عدد سكان القاهرة؟"),
    ("ja", "東京タワーの高さはどれくらいですか。"),
    ("el_mixed", "Η Αθήνα is the capital of Ελλάδα, right?"),
    ("unknown_char", "snowman ☃ and emoji 🦜 here"),
    ("whitespace", "  tabs\tand\nnewlines   between   words  "),
    ("nfkc", "ｆｕｌｌ－ｗｉｄｔｈ ＡＢＣ １２３ and ﬁ ligature"),
    (
        "long_en",
        "The Panthers defense gave up just 308 points, ranking sixth in the league, while also leading the NFL "
        "in interceptions with 24 and boasting four Pro Bowl selections. Pro Bowl defensive tackle Kawann Short "
        "led the team in sacks with 11, while also forcing three fumbles and recovering two.",
    ),
    ("truncated", LONG_TEXT),
]


def train_sentencepiece(tatoeba: pathlib.Path, out_file: pathlib.Path) -> None:
    lines = []
    for lang in TRAIN_LANGS:
        path = tatoeba / ("tatoeba.deu-eng.eng" if lang == "eng" else f"tatoeba.{lang}-eng.{lang}")
        if not path.is_file():
            sys.exit(f"make_tiny_xlmr: missing training file {path}; pass --tatoeba pointing at shared/data/tatoeba")
        with path.open(encoding="utf-8") as f:
            lines += [line.strip() for _, line in zip(range(LINES_PER_LANG), f)]
    lines += [t for _, t in TEXTS if t.strip()]
    model = io.BytesIO()
    # sentence_iterator + model_writer keep temporary paths out of the stored trainer spec (reproducible bytes).
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(lines),
        model_writer=model,
        model_type="unigram",
        vocab_size=1000,
        hard_vocab_limit=False,
        character_coverage=0.995,  # leaves rare characters out, so <unk> really occurs
        normalization_rule_name="nmt_nfkc",
        unk_id=0,
        bos_id=1,
        eos_id=2,
        pad_id=-1,
        num_threads=1,
        shuffle_input_sentence=False,
        minloglevel=2,
    )
    out_file.write_bytes(model.getvalue())


def slow_ids(sp: spm.SentencePieceProcessor, text: str) -> tuple[list[int], int]:
    """XLM-R slow-tokenizer ids (fairseq offset), truncated to 512; also returns the untruncated length."""
    content = [UNK if i == 0 else i + 1 for i in sp.encode(text)]
    full = len(content) + 2
    return [BOS] + content[: MAX_IDS - 2] + [EOS], full


def make_model(vocab_size: int) -> XLMRobertaModel:
    config = XLMRobertaConfig(
        vocab_size=vocab_size,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=4,
        intermediate_size=64,
        hidden_act="gelu",
        max_position_embeddings=514,
        type_vocab_size=1,
        layer_norm_eps=1e-5,
        pad_token_id=PAD,
        bos_token_id=BOS,
        eos_token_id=EOS,
        initializer_range=0.02,
    )
    config._attn_implementation = "eager"
    torch.manual_seed(SEED)
    model = XLMRobertaModel(config, add_pooling_layer=True).eval()
    # Every tensor gets distinctive random values (LayerNorm gains near 1, non-zero biases), so that a loader
    # that swaps weight and bias, transposes a matrix or drops a bias cannot match the reference by luck.
    gen = torch.Generator().manual_seed(SEED)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "LayerNorm" in name and name.endswith("weight"):
                p.copy_(1.0 + 0.1 * torch.randn(p.shape, generator=gen))
            elif name.endswith("bias"):
                p.copy_(0.05 * torch.randn(p.shape, generator=gen))
            elif "embeddings" in name:
                # Small embeddings keep the first LayerNorm's input variance near 1e-3, so eps (1e-5 here,
                # 1e-12 for BERT) changes the output measurably.
                p.copy_(0.02 * torch.randn(p.shape, generator=gen))
            else:
                # Large matrices give sharp attention (padding bugs show) and GELU inputs beyond |x| = 1
                # (the tanh approximation shows).
                p.copy_(0.2 * torch.randn(p.shape, generator=gen))
    return model


def embed(model: XLMRobertaModel, batch: list[list[int]]) -> np.ndarray:
    """Mean pooling over the attention mask, then L2 normalisation; right-padded with <pad>=1."""
    width = max(len(ids) for ids in batch)
    input_ids = torch.full((len(batch), width), PAD, dtype=torch.long)
    mask = torch.zeros((len(batch), width), dtype=torch.long)
    for row, ids in enumerate(batch):
        input_ids[row, : len(ids)] = torch.tensor(ids)
        mask[row, : len(ids)] = 1
    with torch.no_grad():
        hidden = model(input_ids=input_ids, attention_mask=mask).last_hidden_state  # [B, T, 32]
    m = mask.unsqueeze(-1).to(hidden.dtype)
    pooled = (hidden * m).sum(dim=1) / m.sum(dim=1)
    return torch.nn.functional.normalize(pooled, p=2, dim=1).numpy()


def sensitivity(model: XLMRobertaModel, batch: list[list[int]], ref: np.ndarray) -> dict[str, float]:
    """Max |diff| from the reference of typical implementation mistakes, so tests can pick a fair tolerance."""

    def variant(**changes) -> XLMRobertaModel:
        config = XLMRobertaConfig(**{**model.config.to_dict(), **changes})
        config._attn_implementation = "eager"
        other = XLMRobertaModel(config, add_pooling_layer=True).eval()
        other.load_state_dict(model.state_dict())
        return other

    def pooled(m: XLMRobertaModel, cls: bool = False, pos0: bool = False) -> np.ndarray:
        rows = []
        for ids in batch:
            kwargs = {"position_ids": torch.arange(len(ids)).unsqueeze(0)} if pos0 else {}
            with torch.no_grad():
                h = m(input_ids=torch.tensor([ids]), **kwargs).last_hidden_state[0]
            v = h[0] if cls else h.mean(dim=0)
            rows.append((v / v.norm()).numpy())
        return np.stack(rows)

    width = max(len(ids) for ids in batch)
    padded = torch.tensor([ids + [PAD] * (width - len(ids)) for ids in batch])
    with torch.no_grad():
        unmasked = model(input_ids=padded, attention_mask=(padded != PAD).long()).last_hidden_state
    unmasked = torch.nn.functional.normalize(unmasked.mean(dim=1), dim=1).numpy()  # pads pooled too
    cases = {
        "position ids from 0 (BERT style) instead of padding_idx+1": pooled(model, pos0=True),
        "layer_norm_eps 1e-12 instead of 1e-5": pooled(variant(layer_norm_eps=1e-12)),
        "tanh-approximate GELU": pooled(variant(hidden_act="gelu_pytorch_tanh")),
        "CLS pooling instead of mean": pooled(model, cls=True),
        "padding included in the mean (batched)": unmasked,
    }
    return {name: float(np.abs(v - ref).max()) for name, v in cases.items()}


def floats(v: np.ndarray) -> list[float]:
    return [float(f"{x:.9g}") for x in v.tolist()]  # 9 digits round-trip fp32 exactly


def write_folder(folder: pathlib.Path, model: XLMRobertaModel, spm_model: pathlib.Path, dtype: torch.dtype) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    config = model.config.to_dict()
    keep = [
        "architectures", "model_type", "vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads",
        "intermediate_size", "hidden_act", "hidden_dropout_prob", "attention_probs_dropout_prob",
        "max_position_embeddings", "type_vocab_size", "initializer_range", "layer_norm_eps", "pad_token_id",
        "bos_token_id", "eos_token_id", "position_embedding_type",
    ]
    config["architectures"] = ["XLMRobertaModel"]
    config["position_embedding_type"] = "absolute"
    config = {k: config[k] for k in keep if k in config}
    config["torch_dtype"] = "float16" if dtype == torch.float16 else "float32"
    (folder / "config.json").write_text(json.dumps(config, indent=2, sort_keys=True) + "\n")
    tensors = {k: v.detach().to(dtype).contiguous() for k, v in model.state_dict().items()}
    save_file(tensors, str(folder / "model.safetensors"), metadata={"format": "pt"})
    shutil.copyfile(spm_model, folder / "sentencepiece.bpe.model")


def hf_tokenizer_ids(folder: pathlib.Path, texts: list[str]) -> list[list[int]] | None:
    try:
        from transformers import XLMRobertaTokenizer

        tok = XLMRobertaTokenizer.from_pretrained(str(folder))
        return [tok(t, truncation=True, max_length=MAX_IDS)["input_ids"] for t in texts]
    except Exception as err:  # the comparison is informative only
        print(f"make_tiny_xlmr: transformers tokenizer unavailable ({err})", file=sys.stderr)
        return None


def reference(model: XLMRobertaModel, sp: spm.SentencePieceProcessor, folder: pathlib.Path, note: str) -> dict:
    queries = ["query: " + t for _, t in TEXTS]
    passages = ["passage: " + t for _, t in TEXTS]
    q_ids = [slow_ids(sp, t) for t in queries]
    p_ids = [slow_ids(sp, t) for t in passages]
    single = np.stack([embed(model, [ids])[0] for ids, _ in q_ids])
    batched = embed(model, [ids for ids, _ in q_ids])
    passage = np.stack([embed(model, [ids])[0] for ids, _ in p_ids])
    hf_ids = hf_tokenizer_ids(folder, queries)
    entries = []
    for i, (name, text) in enumerate(TEXTS):
        ids, full = q_ids[i]
        entry = {
            "id": name,
            "text": text,
            "token_ids": ids,
            "query": floats(single[i]),
            "query_batched": floats(batched[i]),
            "passage_token_ids": p_ids[i][0],
            "passage": floats(passage[i]),
        }
        if full > MAX_IDS:
            entry["tokens_full"] = full
        if hf_ids is not None and hf_ids[i] != ids:
            entry["token_ids_hf_tokenizers"] = hf_ids[i]
        entries.append(entry)
    diff = float(np.abs(single - batched).max())
    mistakes = sensitivity(model, [ids for ids, _ in q_ids], single)
    import transformers

    return {
        "description": note,
        "token_ids": "slow XLM-R semantics: [0] + (spm id + 1, spm <unk> 0 -> 3) cut to 510 + [2]; "
        "input is the prefix + text ('query: ' for token_ids/query/query_batched, 'passage: ' for passage*)",
        "embeddings": "L2-normalised mean of last_hidden_state over the attention mask; query = one text per "
        "call (no padding), query_batched = all texts in one right-padded batch (<pad>=1, attention mask)",
        "max_abs_diff_single_vs_batched": diff,
        "max_abs_diff_of_mistakes": mistakes,
        "generator": {
            "script": "scripts/make_tiny_xlmr.py",
            "seed": SEED,
            "torch": torch.__version__,
            "transformers": transformers.__version__,
            "sentencepiece": spm.__version__,
            "attention": "eager",
            "dtype": "float32 compute",
        },
        "texts": entries,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", default="Tests/Fixtures/tiny-xlmr")
    repo = pathlib.Path(__file__).resolve().parent.parent
    parser.add_argument("--tatoeba", default=str(repo.parent / "shared/data/tatoeba"), help="shared/data/tatoeba")
    args = parser.parse_args()
    torch.set_num_threads(1)
    out = pathlib.Path(args.out)
    with tempfile.TemporaryDirectory() as tmp:
        spm_model = pathlib.Path(tmp) / "sentencepiece.bpe.model"
        train_sentencepiece(pathlib.Path(args.tatoeba), spm_model)
        sp = spm.SentencePieceProcessor(model_file=str(spm_model))
        assert sp.id_to_piece(0) == "<unk>" and sp.id_to_piece(1) == "<s>" and sp.id_to_piece(2) == "</s>"
        vocab_size = sp.get_piece_size() + 2  # fairseq: + <pad> at 1, + <mask> at the end
        model = make_model(vocab_size)

        write_folder(out, model, spm_model, torch.float32)
        ref = reference(model, sp, out, "tiny random XLM-R, F32 weights")
        (out / "reference.json").write_text(json.dumps(ref, ensure_ascii=False, indent=1) + "\n")

        # F16 copy: the reference is the fp32 forward pass of the F16-rounded weights (what a loader that
        # widens F16 to F32 must reproduce).
        f16_model = make_model(vocab_size)
        with torch.no_grad():
            for p in f16_model.parameters():
                p.copy_(p.to(torch.float16).to(torch.float32))
        write_folder(out / "f16", f16_model, spm_model, torch.float16)
        ref16 = reference(f16_model, sp, out / "f16", "tiny random XLM-R, F16 weights widened to F32")
        (out / "f16" / "reference.json").write_text(json.dumps(ref16, ensure_ascii=False, indent=1) + "\n")

    print(f"make_tiny_xlmr: wrote {out} (vocab {vocab_size}, single vs batched max |d| "
          f"{ref['max_abs_diff_single_vs_batched']:.2e})")


if __name__ == "__main__":
    main()
