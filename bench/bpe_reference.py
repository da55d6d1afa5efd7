#!/usr/bin/env python3
"""The reference side of `cargo xtask bench bpe`, and the comparison of two
trained tokenizers.

  train    train a byte-level BPE with Hugging Face `tokenizers` (BpeTrainer,
           ByteLevel pre-tokenizer and decoder) and save its tokenizer.json
  encode   encode a text file line by line with `tiktoken` (from a local rank
           file) or with a `tokenizer.json` through `tokenizers`, timing only
           the encoding; write the ids as little-endian u32, one 0xFFFFFFFF
           after each line, and print a JSON line of figures
  tpb      tokens per byte of a tokenizer.json on a held-out text
  compare  load two tokenizer.json files with `tokenizers`: tokens per byte
           of each on a held-out text, and the share of identical merges
           among the first N

Threads: `--threads N` sets RAYON_NUM_THREADS (and the older
RAYON_RS_NUM_CPUS) before `tokenizers` starts its pool; tiktoken's batch
encoder takes the number directly.
"""

import argparse
import json
import os
import sys
import time

SEP = 0xFFFFFFFF


def set_threads(n):
    os.environ["RAYON_NUM_THREADS"] = str(n)
    os.environ["RAYON_RS_NUM_CPUS"] = str(n)
    os.environ["TOKENIZERS_PARALLELISM"] = "true" if n > 1 else "false"


def read_lines(path):
    with open(path, "rb") as f:
        raw = f.read()
    text = raw.decode("utf-8", errors="replace")
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines, len(raw)


def cmd_train(a):
    set_threads(a.threads)
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=a.vocab_size,
        min_frequency=a.min_frequency,
        special_tokens=a.special or [],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    start = time.perf_counter()
    tok.train([a.corpus], trainer)
    secs = time.perf_counter() - start
    tok.save(a.out)
    print(json.dumps({"train_seconds": secs, "vocab": tok.get_vocab_size()}))


def tiktoken_encoding(ranks_path, kind):
    import tiktoken
    from tiktoken.load import load_tiktoken_bpe

    ranks = load_tiktoken_bpe(ranks_path)
    if kind == "r50k_base":
        pat = r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""
        special = {"<|endoftext|>": 50256}
    elif kind == "cl100k_base":
        pat = r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]++[\r\n]*|\s*[\r\n]|\s+(?!\S)|\s+"""
        special = {
            "<|endoftext|>": 100257,
            "<|fim_prefix|>": 100258,
            "<|fim_middle|>": 100259,
            "<|fim_suffix|>": 100260,
            "<|endofprompt|>": 100276,
        }
    else:
        sys.exit(f"bpe_reference.py: unknown encoding {kind!r} (r50k_base or cl100k_base)")
    return tiktoken.Encoding(kind, pat_str=pat, mergeable_ranks=ranks, special_tokens=special)


def write_ids(path, batches):
    import array

    out = array.array("I")
    for ids in batches:
        out.extend(ids)
        out.append(SEP)
    if sys.byteorder != "little":
        out.byteswap()
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        out.tofile(f)
    os.replace(tmp, path)


def cmd_encode(a):
    set_threads(a.threads)
    lines, nbytes = read_lines(a.text)
    if a.tiktoken:
        enc = tiktoken_encoding(a.tiktoken, a.encoding)
        start = time.perf_counter()
        if a.threads == 1:
            ids = [enc.encode_ordinary(l) for l in lines]
        else:
            ids = enc.encode_ordinary_batch(lines, num_threads=a.threads)
        secs = time.perf_counter() - start
    else:
        from tokenizers import Tokenizer

        tok = Tokenizer.from_file(a.tokenizer)
        start = time.perf_counter()
        if a.threads == 1:
            ids = [tok.encode(l, add_special_tokens=False).ids for l in lines]
        else:
            ids = [e.ids for e in tok.encode_batch(lines, add_special_tokens=False)]
        secs = time.perf_counter() - start
    tokens = sum(len(x) for x in ids)
    if a.ids_out:
        write_ids(a.ids_out, ids)
    print(json.dumps({"encode_seconds": secs, "mb_per_s": nbytes / 1e6 / secs, "tokens": tokens, "bytes": nbytes}))


def merges_of(tok_json):
    with open(tok_json, encoding="utf-8") as f:
        model = json.load(f)["model"]
    out = []
    for m in model["merges"]:
        out.append(tuple(m.split(" ", 1)) if isinstance(m, str) else tuple(m))
    return out


def cmd_tpb(a):
    set_threads(a.threads)
    from tokenizers import Tokenizer

    lines, nbytes = read_lines(a.heldout)
    tok = Tokenizer.from_file(a.tokenizer)
    n = sum(len(e.ids) for e in tok.encode_batch(lines, add_special_tokens=False))
    print(json.dumps({"tokens": n, "bytes": nbytes, "tokens_per_byte": n / nbytes}))


def cmd_compare(a):
    set_threads(a.threads)
    from tokenizers import Tokenizer

    lines, nbytes = read_lines(a.heldout)
    res = {"heldout_bytes": nbytes}
    for name, path in (("ours", a.ours), ("theirs", a.theirs)):
        tok = Tokenizer.from_file(path)
        n = sum(len(e.ids) for e in tok.encode_batch(lines, add_special_tokens=False))
        res[f"{name}_tokens"] = n
        res[f"{name}_tokens_per_byte"] = n / nbytes
    ours, theirs = merges_of(a.ours)[: a.first], merges_of(a.theirs)[: a.first]
    k = min(len(ours), len(theirs))
    same_pos = sum(1 for i in range(k) if ours[i] == theirs[i])
    same_set = len(set(ours) & set(theirs))
    first_diff = next((i for i in range(k) if ours[i] != theirs[i]), None)
    res.update(
        {
            "merges_compared": k,
            "identical_merges_same_rank": same_pos / max(k, 1),
            "identical_merges_any_rank": same_set / max(k, 1),
            "first_differing_merge": first_diff,
        }
    )
    if first_diff is not None:
        res["at_first_difference"] = {"ours": list(ours[first_diff]), "theirs": list(theirs[first_diff])}
    print(json.dumps(res))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("train")
    t.add_argument("--corpus", required=True)
    t.add_argument("--vocab-size", type=int, required=True)
    t.add_argument("--min-frequency", type=int, default=2)
    t.add_argument("--special", action="append")
    t.add_argument("--threads", type=int, default=2)
    t.add_argument("--out", required=True)
    e = sub.add_parser("encode")
    e.add_argument("--text", required=True)
    g = e.add_mutually_exclusive_group(required=True)
    g.add_argument("--tiktoken", metavar="RANKS")
    g.add_argument("--tokenizer", metavar="TOKENIZER_JSON")
    e.add_argument("--encoding", default="cl100k_base")
    e.add_argument("--threads", type=int, default=1)
    e.add_argument("--ids-out")
    b = sub.add_parser("tpb")
    b.add_argument("--tokenizer", required=True)
    b.add_argument("--heldout", required=True)
    b.add_argument("--threads", type=int, default=2)
    c = sub.add_parser("compare")
    c.add_argument("--ours", required=True)
    c.add_argument("--theirs", required=True)
    c.add_argument("--heldout", required=True)
    c.add_argument("--first", type=int, default=10000)
    c.add_argument("--threads", type=int, default=2)
    a = p.parse_args()
    {"train": cmd_train, "encode": cmd_encode, "tpb": cmd_tpb, "compare": cmd_compare}[a.cmd](a)


if __name__ == "__main__":
    main()
