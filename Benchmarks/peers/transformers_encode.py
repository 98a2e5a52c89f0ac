#!/usr/bin/env python3
# Benchmarks/peers/transformers_encode.py — the PyTorch/transformers peer of `GlossaBench encode`.
#
# Loads a model folder (config.json, model.safetensors, sentencepiece.bpe.model) with transformers AutoModel
# (fp32, CPU) and transformers' XLMRobertaTokenizer built from the folder's sentencepiece.bpe.model. In
# transformers 5 that class is the tokenizers-backed ("fast") one; there is no slow XLM-R tokenizer any more.
# It then measures, after one untimed warm-up of each:
#   queries  — encode every line of --queries with the "query: " prefix (one call for the whole file)
#   passages — the same for --passages with "passage: "
#   latency  — --latency-count queries encoded one at a time (batch of 1)
# Each encode call: tokenize (truncation to 512), sort by length, batches of --batch right-padded with <pad>=1,
# forward pass, mean pooling over the attention mask, L2 normalisation, restore the input order.
# --backend onnxruntime exports the same model + pooling to ONNX once (legacy TorchScript exporter, opset 17,
# cached in .cache/onnx/) and runs the forward pass in onnxruntime instead (same tokenizer, batching, pooling).
# --backend onnxruntime-int8 runs that same exported graph after onnxruntime's dynamic quantisation
# (onnxruntime.quantization.quantize_dynamic, QInt8 weights, activations quantised at run time; cached beside it).
# tokens = model input ids including <s> and </s> (no padding). Every measurement is repeated --runs times;
# one JSON line per measurement gives the median wall time (median_ms) and tokens / median time (tokens_per_s),
# and the median process CPU time of all threads (cpu_ms, tokens_per_cpu_s). On a loaded machine, CPU time at
# --threads 1 is the figure that other processes disturb least; with 2 threads, OpenMP's spin-waiting inflates it.
#
#   Benchmarks/.venv/bin/python Benchmarks/peers/transformers_encode.py --model Models/multilingual-e5-small \
#       --queries Benchmarks/data/queries.txt --passages Benchmarks/data/passages.txt

import argparse
import hashlib
import json
import os
import pathlib
import platform
import statistics
import sys
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import numpy as np
import torch
import transformers
from transformers import AutoModel, XLMRobertaTokenizer

MAX_IDS = 512
PAD = 1
REPO = pathlib.Path(__file__).resolve().parent.parent.parent


def has_pooler(folder: pathlib.Path) -> bool:
    """Whether model.safetensors holds pooler weights (mean pooling never uses them; this only keeps
    transformers from reporting missing or unexpected keys)."""
    from safetensors import safe_open

    with safe_open(str(folder / "model.safetensors"), "np") as f:
        return any(key.startswith("pooler.") for key in f.keys())


class Pooled(torch.nn.Module):
    """The model plus mean pooling and L2 normalisation: (input_ids, attention_mask) -> [B, H] embeddings."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, input_ids, attention_mask):
        hidden = self.model(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state  # [B, T, H]
        m = attention_mask.unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * m).sum(dim=1) / m.sum(dim=1)
        return torch.nn.functional.normalize(pooled, p=2, dim=1)


class Peer:
    """One loaded model folder: encode(texts) -> (embeddings [n, hidden] float32, token count)."""

    def __init__(self, folder: pathlib.Path, batch: int, attention: str, backend: str, threads: int):
        for name in ("config.json", "model.safetensors", "sentencepiece.bpe.model"):
            if not (folder / name).is_file():
                sys.exit(f"transformers_encode: {folder / name} is missing; pass --model <model folder>")
        self.tokenizer = XLMRobertaTokenizer.from_pretrained(str(folder))
        model = AutoModel.from_pretrained(str(folder), attn_implementation=attention, dtype=torch.float32,
                                          add_pooling_layer=has_pooler(folder))
        self.pooled = Pooled(model.eval()).eval()
        self.hidden = model.config.hidden_size
        self.batch = batch
        self.session = self.export_onnx(folder, threads, backend) if backend.startswith("onnxruntime") else None

    def export_onnx(self, folder: pathlib.Path, threads: int, backend: str):
        """Exports model + pooling to ONNX (legacy TorchScript exporter, opset 17) once per model folder."""
        import onnxruntime as ort

        tag = hashlib.sha1(str(folder.resolve()).encode()).hexdigest()[:8]
        cache = REPO / ".cache" / "onnx" / f"{folder.resolve().name}-{tag}.onnx"
        weights = folder / "model.safetensors"
        if not cache.is_file() or cache.stat().st_mtime < weights.stat().st_mtime:
            import warnings

            cache.parent.mkdir(parents=True, exist_ok=True)
            ids = torch.tensor([[0, 5, 6, 7, 2], [0, 5, 6, 2, PAD]])
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                torch.onnx.export(
                    self.pooled, (ids, (ids != PAD).long()), str(cache), input_names=["input_ids", "attention_mask"],
                    output_names=["embedding"], opset_version=17, dynamo=False,
                    dynamic_axes={"input_ids": {0: "batch", 1: "tokens"}, "attention_mask": {0: "batch", 1: "tokens"}},
                )
        if backend == "onnxruntime-int8":
            # The int8 peer: onnxruntime's own dynamic quantisation of the same graph, QInt8 weights.
            from onnxruntime.quantization import QuantType, quantize_dynamic

            quantized = cache.with_name(cache.stem + "-qint8.onnx")
            if not quantized.is_file() or quantized.stat().st_mtime < cache.stat().st_mtime:
                quantize_dynamic(str(cache), str(quantized), weight_type=QuantType.QInt8)
            cache = quantized
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        return ort.InferenceSession(str(cache), options, providers=["CPUExecutionProvider"])

    def tokenize(self, texts: list[str]) -> list[list[int]]:
        return self.tokenizer(texts, truncation=True, max_length=MAX_IDS)["input_ids"]

    def encode(self, texts: list[str]) -> tuple[np.ndarray, int]:
        ids = self.tokenize(texts)
        order = sorted(range(len(ids)), key=lambda i: -len(ids[i]))
        out = np.empty((len(ids), self.hidden), dtype=np.float32)
        with torch.inference_mode():
            for start in range(0, len(order), self.batch):
                rows = order[start : start + self.batch]
                width = len(ids[rows[0]])
                input_ids = np.full((len(rows), width), PAD, dtype=np.int64)
                mask = np.zeros((len(rows), width), dtype=np.int64)
                for r, i in enumerate(rows):
                    input_ids[r, : len(ids[i])] = ids[i]
                    mask[r, : len(ids[i])] = 1
                if self.session is not None:
                    feed = {"input_ids": input_ids, "attention_mask": mask}
                    out[rows] = self.session.run(None, feed)[0]
                else:
                    out[rows] = self.pooled(torch.from_numpy(input_ids), torch.from_numpy(mask)).numpy()
        return out, sum(len(x) for x in ids)


def read_lines(path: str, prefix: str) -> list[str]:
    p = pathlib.Path(path)
    if not p.is_file():
        sys.exit(f"transformers_encode: {path} does not exist; run Benchmarks/make_bench_texts.py first")
    return [prefix + line for line in p.read_text(encoding="utf-8").split("\n") if line]


def timed(fn, cpu: list[float] | None = None) -> float:
    """Wall seconds of fn(); appends the process CPU seconds (all threads) to cpu when given."""
    start, start_cpu = time.perf_counter(), time.process_time()
    fn()
    if cpu is not None:
        cpu.append(time.process_time() - start_cpu)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description="transformers/PyTorch encode benchmark (peer of GlossaBench)")
    parser.add_argument("--model", required=True, help="model folder")
    parser.add_argument("--queries", default="Benchmarks/data/queries.txt")
    parser.add_argument("--passages", default="Benchmarks/data/passages.txt")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--latency-count", type=int, default=100, help="single queries timed per latency run")
    parser.add_argument("--attention", default="sdpa", choices=["sdpa", "eager"])
    parser.add_argument("--backend", default="torch", choices=["torch", "onnxruntime", "onnxruntime-int8"],
                        help="run the forward pass in PyTorch, or export it to ONNX (.cache/onnx/) and run onnxruntime"
                             " (onnxruntime-int8: after quantize_dynamic with QInt8 weights)")
    parser.add_argument("--save", help="folder to write queries.npy and passages.npy (embeddings, input order)")
    args = parser.parse_args()
    if args.runs < 1 or args.batch < 1 or args.threads < 1:
        sys.exit("transformers_encode: --runs, --batch and --threads must be at least 1")

    torch.set_num_threads(args.threads)
    transformers.utils.logging.disable_progress_bar()
    peer = Peer(pathlib.Path(args.model), args.batch, args.attention, args.backend, args.threads)
    side = f"transformers-{args.attention}" if args.backend == "torch" else args.backend
    meta = {
        "name": "meta", "side": side, "backend": args.backend, "torch": torch.__version__, "transformers": transformers.__version__,
        "threads": torch.get_num_threads(), "batch": args.batch, "runs": args.runs, "dtype": "int8" if args.backend.endswith("int8") else "float32",
        "tokenizer": "XLMRobertaTokenizer (tokenizers backend)", "python": platform.python_version(),
        "model": str(args.model), "loadavg": list(os.getloadavg()),
    }
    print(json.dumps(meta), flush=True)

    saved = {}
    for name, path, prefix in (("queries", args.queries, "query: "), ("passages", args.passages, "passage: ")):
        texts = read_lines(path, prefix)
        vectors, tokens = peer.encode(texts)  # warm-up, untimed
        saved[name] = vectors
        cpu: list[float] = []
        seconds = [timed(lambda: peer.encode(texts), cpu) for _ in range(args.runs)]
        median = statistics.median(seconds)
        print(json.dumps({
            "name": name, "side": side, "texts": len(texts), "tokens": tokens, "runs": args.runs,
            "median_ms": round(median * 1e3, 3), "min_ms": round(min(seconds) * 1e3, 3),
            "tokens_per_s": round(tokens / median, 1), "texts_per_s": round(len(texts) / median, 2),
            "cpu_ms": round(statistics.median(cpu) * 1e3, 3),
            "tokens_per_cpu_s": round(tokens / statistics.median(cpu), 1),
        }), flush=True)

    singles = read_lines(args.queries, "query: ")[: args.latency_count]
    for text in singles[:5]:
        peer.encode([text])  # warm-up
    tokens = sum(len(x) for x in peer.tokenize(singles))
    cpu = []
    latencies = [timed(lambda: peer.encode([text]), cpu) for _ in range(args.runs) for text in singles]
    print(json.dumps({
        "name": "latency", "side": side, "texts": len(singles), "tokens": tokens, "runs": args.runs,
        "median_ms": round(statistics.median(latencies) * 1e3, 3),
        "p90_ms": round(float(np.percentile(latencies, 90)) * 1e3, 3),
        "tokens_per_s": round(tokens * args.runs / sum(latencies), 1),
        "cpu_ms": round(statistics.median(cpu) * 1e3, 3),
        "tokens_per_cpu_s": round(tokens * args.runs / sum(cpu), 1),
    }), flush=True)

    if args.save:
        folder = pathlib.Path(args.save)
        folder.mkdir(parents=True, exist_ok=True)
        for name, vectors in saved.items():
            np.save(folder / f"{name}.npy", vectors)


if __name__ == "__main__":
    main()
