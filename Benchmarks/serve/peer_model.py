#!/usr/bin/env python3
"""Benchmarks/serve/peer_model.py — makes the peer's copy of a Glossa model folder that infinity-emb (through
sentence-transformers and transformers) can load: the same config.json, model.safetensors and
sentencepiece.bpe.model (symlinked, so the weights are the very same file), plus what those libraries expect
beside them and Glossa does not need:
  tokenizer_config.json, special_tokens_map.json, tokenizer.json   XLMRobertaTokenizer from sentencepiece.bpe.model
                                                                   (<s>=0 <pad>=1 </s>=2 <unk>=3, fairseq offset),
                                                                   the "fast" one converted once and saved
  modules.json, sentence_bert_config.json, 1_Pooling/config.json    Transformer -> mean pooling, max 512 tokens
(infinity L2-normalises after pooling itself). Run with the serve venv's python (run-serve.sh does, into its
work folder under Benchmarks/results/raw/):
  Benchmarks/.venv-serve/bin/python Benchmarks/serve/peer_model.py Models/multilingual-e5-small OUT_DIR
"""

import json
import os
import pathlib
import shutil
import sys

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

LINKED = ("config.json", "model.safetensors", "sentencepiece.bpe.model")


def main() -> None:
    if len(sys.argv) != 3:
        sys.exit("usage: peer_model.py MODEL_DIR OUT_DIR")
    source, out = pathlib.Path(sys.argv[1]).resolve(), pathlib.Path(sys.argv[2])
    for name in LINKED:
        if not (source / name).is_file():
            sys.exit(f"peer_model: {source / name} is missing; run 'make model' or pass a model folder")
    stamp = out / ".made-from"
    if stamp.is_file() and stamp.read_text() == str(source) and (out / "tokenizer.json").is_file():
        print(f"peer_model: {out} is up to date", file=sys.stderr)
        return
    tmp = out.with_name(out.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    for name in LINKED[:2]:
        (tmp / name).symlink_to(source / name)
    config = json.loads((source / "config.json").read_text())

    from transformers import XLMRobertaTokenizer, XLMRobertaTokenizerFast

    slow = XLMRobertaTokenizer(vocab_file=str(source / "sentencepiece.bpe.model"), model_max_length=512)
    # The fast tokenizer converted from the same sentencepiece file (what AutoTokenizer would build on each load).
    fast = XLMRobertaTokenizerFast(vocab_file=str(source / "sentencepiece.bpe.model"), model_max_length=512)
    fast.save_pretrained(str(tmp))
    (tmp / "sentencepiece.bpe.model").unlink(missing_ok=True)  # save_pretrained copies it; link the original instead
    (tmp / "sentencepiece.bpe.model").symlink_to(source / "sentencepiece.bpe.model")
    ids_slow = slow("query: Wie hoch ist der Eiffelturm? 月面を初めて歩いた人")["input_ids"]
    ids_fast = fast("query: Wie hoch ist der Eiffelturm? 月面を初めて歩いた人")["input_ids"]
    if ids_slow != ids_fast:
        sys.exit(f"peer_model: fast tokenizer differs from the slow one: {ids_fast} vs {ids_slow}")

    (tmp / "modules.json").write_text(json.dumps([
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
    ], indent=2))
    (tmp / "sentence_bert_config.json").write_text(json.dumps({"max_seq_length": 512, "do_lower_case": False}))
    (tmp / "1_Pooling").mkdir()
    (tmp / "1_Pooling" / "config.json").write_text(json.dumps({
        "word_embedding_dimension": config["hidden_size"], "pooling_mode_cls_token": False,
        "pooling_mode_mean_tokens": True, "pooling_mode_max_tokens": False,
        "pooling_mode_mean_sqrt_len_tokens": False,
    }, indent=2))
    (tmp / ".made-from").write_text(str(source))
    shutil.rmtree(out, ignore_errors=True)
    tmp.rename(out)
    print(f"peer_model: {out} (links to {source}, tokenizer ids checked)", file=sys.stderr)


if __name__ == "__main__":
    main()
