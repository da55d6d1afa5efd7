#!/usr/bin/env python3
"""Score a file of word vectors with gensim's own evaluators and print one
JSON object on stdout.

    score_vectors.py VECTORS [--format auto|bin|text|glove] [--restrict N]

Formats: `bin` is word2vec's binary format, `text` word2vec's text format
(first line "count dim", as fastText's .vec), `glove` GloVe's text format (no
header line); `auto` (the default) tells text from GloVe by the first line
and takes anything else as binary.

Figures (the test sets ship inside gensim, under gensim/test/test_data):
  analogy      3CosAdd accuracy on Google's questions-words.txt, questions
               restricted to the N most frequent words (default 30000)
  analogy_sem  the same over the semantic sections only
  analogy_syn  ... and over the syntactic ("gram*") sections only
  analogy_n    questions scored (all of their words in the restricted vocab)
  ws353        Spearman rho on WordSim-353 (wordsim353.tsv)
  simlex       Spearman rho on SimLex-999 (simlex999.txt)
  ws353_oov, simlex_oov   percent of pairs left out for unknown words
Exits 1 with a message on stderr when the file cannot be read.
"""
import argparse
import json
import logging
import math
import os
import sys


def sniff(path):
    """'text', 'glove' or 'bin', from the file's first line."""
    with open(path, "rb") as f:
        head = f.readline(4096)
    try:
        fields = head.decode("utf-8").split()
    except UnicodeDecodeError:
        return "bin"
    if len(fields) == 2 and all(x.isdigit() for x in fields):
        # "count dim": word2vec text, unless the binary rows follow.
        with open(path, "rb") as f:
            f.readline()
            body = f.read(4096)
        return "text" if b"\0" not in body and _is_utf8(body) else "bin"
    return "glove"


def _is_utf8(data):
    try:
        data.decode("utf-8")
        return True
    except UnicodeDecodeError as e:
        # A multi-byte character cut by the 4096-byte window is fine.
        return e.start >= len(data) - 3


def load(path, fmt):
    from gensim.models import KeyedVectors

    if fmt == "auto":
        fmt = sniff(path)
    return KeyedVectors.load_word2vec_format(
        path,
        binary=(fmt == "bin"),
        no_header=(fmt == "glove"),
        unicode_errors="replace",
    )


def share_correct(sections):
    right = sum(len(s["correct"]) for s in sections)
    asked = right + sum(len(s["incorrect"]) for s in sections)
    return round(right / asked, 4) if asked else 0.0


def rho(result):
    value = float(result[1].statistic if hasattr(result[1], "statistic") else result[1][0])
    return round(value, 4) if not math.isnan(value) else None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("vectors")
    ap.add_argument("--format", default="auto", choices=["auto", "bin", "text", "glove"])
    ap.add_argument("--binary", action="store_true", help="same as --format bin")
    ap.add_argument("--restrict", type=int, default=30000)
    args = ap.parse_args()
    fmt = "bin" if args.binary else args.format

    logging.disable(logging.WARNING)
    try:
        from gensim.test.utils import datapath
    except ImportError as e:
        sys.exit(f"score_vectors.py: gensim is not importable ({e}); run bench/install_anchors.sh")
    try:
        kv = load(args.vectors, fmt)
    except Exception as e:  # any parse failure: say which file and why
        sys.exit(f"score_vectors.py: cannot read {args.vectors} as word vectors: {e}")
    if len(kv.key_to_index) == 0 or kv.vector_size == 0:
        sys.exit(f"score_vectors.py: {args.vectors} holds no vectors")

    try:
        accuracy, sections = kv.evaluate_word_analogies(
            datapath("questions-words.txt"), restrict_vocab=args.restrict
        )
        ws = kv.evaluate_word_pairs(datapath("wordsim353.tsv"))
        sl = kv.evaluate_word_pairs(datapath("simlex999.txt"))
    except Exception as e:  # e.g. no test word in the vocabulary
        sys.exit(f"score_vectors.py: cannot score {args.vectors}: {e}")
    parts = [s for s in sections if s["section"] != "Total accuracy"]
    total = sections[-1]
    syntactic = [s for s in parts if s["section"].startswith("gram")]
    semantic = [s for s in parts if not s["section"].startswith("gram")]
    print(
        json.dumps(
            {
                "vectors": os.path.basename(args.vectors),
                "vocab": len(kv.key_to_index),
                "dim": kv.vector_size,
                "analogy": round(float(accuracy), 4),
                "analogy_sem": share_correct(semantic),
                "analogy_syn": share_correct(syntactic),
                "analogy_n": len(total["correct"]) + len(total["incorrect"]),
                "ws353": rho(ws),
                "simlex": rho(sl),
                "ws353_oov": round(float(ws[2]), 1),
                "simlex_oov": round(float(sl[2]), 1),
            }
        )
    )


if __name__ == "__main__":
    main()
