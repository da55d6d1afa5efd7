#!/usr/bin/env python3
"""Write fastText's own n-gram bucket ids for a list of words, as JSON.

Usage: fasttext_ngrams.py OUT.json   (needs the `fasttext` package)

A tiny unsupervised model is trained only to get a dictionary; the bucket id
of an n-gram is fastText's subword id minus the number of words. The words mix
ASCII, Latin with diacritics, Cyrillic, CJK and emoji, so the sign extension
of non-ASCII bytes in fastText's hash is exercised.
"""
import json, os, sys, tempfile
import fasttext

WORDS = ["hello", "world", "a", "ab", "abc", "embedding", "naïve", "café", "straße",
         "привет", "日本語", "中文分词", "émigré", "😀smile", "x😀y", "ﬁne", "Zürich",
         "ελληνικά", "עברית", "longwordwithmanycharacters"]
MINN, MAXN, BUCKET = 3, 6, 2_000_000

def main():
    out = sys.argv[1]
    with tempfile.TemporaryDirectory() as d:
        corpus = os.path.join(d, "c.txt")
        with open(corpus, "w", encoding="utf-8") as f:
            f.write(" ".join(["alpha", "beta", "gamma"] * 20) + "\n")
        m = fasttext.train_unsupervised(corpus, model="skipgram", dim=2, epoch=1, minCount=1,
                                        minn=MINN, maxn=MAXN, bucket=BUCKET, thread=1, verbose=0)
    nwords = len(m.words)
    result = {"minn": MINN, "maxn": MAXN, "bucket": BUCKET, "words": {}}
    for w in WORDS:
        grams, ids = m.get_subwords(w)
        result["words"][w] = [[g, int(i) - nwords] for g, i in zip(grams, ids) if i >= nwords]
    with open(out, "w", encoding="utf-8") as f:
        json.dump(result, f, ensure_ascii=False, indent=1, sort_keys=True)
        f.write("\n")

main()
