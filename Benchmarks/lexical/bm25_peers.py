#!/usr/bin/env python3
"""Lexical peers on same-language XQuAD (BEIR folders made by `glossa convert-xquad --paragraphs`).

Two rankers per language, scored with the same metrics as `glossa eval` (one relevant paragraph per
question: nDCG@10, Recall@100, MRR@10):
  fts5  SQLite FTS5 with its default unicode61 tokenizer (what most tools ship), the query as an OR of its
        quoted `\\w+` words, ranked by bm25(); the same libsqlite3 as Glossa.
  bm25  bm25s (Lucene BM25, k1=1.5, b=0.75) over language-specific tokens, as a careful Python user would
        write it: jieba for zh, pythainlp (newmm) for th, fugashi+unidic-lite for ja where present,
        lower-cased `[\\w\\p{M}]+` words (the `regex` module, so combining marks stay inside words) elsewhere.
Prints one JSON object: {language: {ranker: {ndcg10, recall100, mrr10, nohit}}}.
"""
import json
import math
import re
import sqlite3
import sys
from pathlib import Path

import bm25s
import numpy as np
import regex

WORD = regex.compile(r"[\w\p{M}]+")


def tokenizer(language):
    if language == "zh":
        import jieba
        jieba.setLogLevel(60)
        return lambda text: [t for t in (w.strip().lower() for w in jieba.lcut(text)) if WORD.fullmatch(t)]
    if language == "th":
        from pythainlp.tokenize import word_tokenize
        return lambda text: [t for t in (w.strip().lower() for w in word_tokenize(text, engine="newmm")) if t and WORD.search(t)]
    if language == "ja":
        import fugashi
        tagger = fugashi.Tagger()
        return lambda text: [w.surface.lower() for w in tagger(text) if WORD.search(w.surface)]
    return lambda text: WORD.findall(text.lower())


def read(folder):
    corpus = [json.loads(line) for line in open(folder / "corpus.jsonl", encoding="utf-8")]
    queries = [json.loads(line) for line in open(folder / "queries.jsonl", encoding="utf-8")]
    qrels = {}
    for line in list(open(folder / "qrels/test.tsv", encoding="utf-8"))[1:]:
        q, d, score = line.rstrip("\n").split("\t")
        if int(score) > 0:
            qrels.setdefault(q, set()).add(d)
    return corpus, queries, qrels


def metrics(rankings, qrels):
    """rankings: query id -> ranked document ids (only documents that matched)."""
    ndcg = recall = mrr = nohit = 0.0
    for q, relevant in qrels.items():
        ranked = rankings.get(q, [])
        if not ranked:
            nohit += 1
        rank = next((i + 1 for i, d in enumerate(ranked[:100]) if d in relevant), None)
        if rank is not None:
            recall += 1
            if rank <= 10:
                ndcg += 1 / math.log2(rank + 1)
                mrr += 1 / rank
    n = len(qrels)
    return {"ndcg10": 100 * ndcg / n, "recall100": 100 * recall / n, "mrr10": 100 * mrr / n, "nohit": int(nohit)}


def fts5(corpus, queries):
    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE t USING fts5(text)")
    db.executemany("INSERT INTO t(rowid, text) VALUES (?, ?)", [(i, d["text"]) for i, d in enumerate(corpus)])
    rankings = {}
    for query in queries:
        words = re.findall(r"\w+", query["text"])
        if not words:
            rankings[query["_id"]] = []
            continue
        expression = " OR ".join('"' + w.replace('"', '""') + '"' for w in words)
        rows = db.execute("SELECT rowid FROM t WHERE t MATCH ? ORDER BY bm25(t) LIMIT 100", (expression,)).fetchall()
        rankings[query["_id"]] = [corpus[r[0]]["_id"] for r in rows]
    return rankings


def bm25(corpus, queries, language):
    tokenize = tokenizer(language)
    retriever = bm25s.BM25()
    retriever.index([tokenize(d["text"]) for d in corpus], show_progress=False)
    vocabulary = retriever.vocab_dict
    rankings = {}
    for query in queries:
        tokens = [t for t in tokenize(query["text"]) if t in vocabulary]
        if not tokens:
            rankings[query["_id"]] = []
            continue
        scores = retriever.get_scores(tokens)
        order = np.argsort(-scores, kind="stable")[:100]
        rankings[query["_id"]] = [corpus[i]["_id"] for i in order if scores[i] > 0]
    return rankings


def main():
    root = Path(sys.argv[1])
    languages = sys.argv[2].split(",")
    results = {}
    for language in languages:
        corpus, queries, qrels = read(root / language)
        results[language] = {
            "fts5": metrics(fts5(corpus, queries), qrels),
            "bm25": metrics(bm25(corpus, queries, language), qrels),
        }
        print(f"{language}: fts5 {results[language]['fts5']['ndcg10']:.1f}, bm25 {results[language]['bm25']['ndcg10']:.1f}",
              file=sys.stderr)
    print(json.dumps(results, indent=1, sort_keys=True))


if __name__ == "__main__":
    main()
