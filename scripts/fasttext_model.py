#!/usr/bin/env python3
"""Write small fastText models and fastText's own vectors for them.

Usage: fasttext_model.py CORPUS OUT_DIR   (needs the `fasttext` command line,
Debian package `fasttext`, 0.9.x)

* OUT_DIR/small.bin: skip-gram, dim 8, minn 3, maxn 6, bucket 1000, trained on
  the first 3000 lines of CORPUS with one thread (deterministic).
* OUT_DIR/small-vectors.txt: what `fasttext print-word-vectors small.bin`
  prints for in-vocabulary and unseen words.
* OUT_DIR/small-vectors.json: the same vectors at full f32 precision, from
  the Python `fasttext` package's get_word_vector (the code behind
  print-word-vectors) when that package can be imported; print-word-vectors
  rounds to 5 significant digits.
* OUT_DIR/small.ftz: a quantized supervised model, to check it is refused.
"""
import json, os, shutil, subprocess, sys, tempfile

def run(*args, **kw):
    subprocess.run(args, check=True, stdout=kw.get("stdout", subprocess.DEVNULL), stderr=subprocess.DEVNULL,
                   input=kw.get("input"))

def main():
    corpus, out = sys.argv[1], sys.argv[2]
    ft = shutil.which("fasttext")
    if ft is None:
        sys.exit("the fasttext command is not installed (apt-get install fasttext)")
    os.makedirs(out, exist_ok=True)
    with tempfile.TemporaryDirectory() as d:
        small = os.path.join(d, "small.txt")
        with open(corpus, encoding="utf-8") as f, open(small, "w", encoding="utf-8") as g:
            for i, line in enumerate(f):
                if i >= 3000:
                    break
                g.write(line)
        run(ft, "skipgram", "-input", small, "-output", os.path.join(d, "small"), "-dim", "8", "-epoch", "2",
            "-minCount", "5", "-minn", "3", "-maxn", "6", "-bucket", "1000", "-thread", "1")
        shutil.copyfile(os.path.join(d, "small.bin"), os.path.join(out, "small.bin"))
        with open(os.path.join(d, "small.vec"), encoding="utf-8") as f:
            vocab = [line.split(" ", 1)[0] for line in f.readlines()[1:]]
        words = vocab[:40] + ["capitals", "kingdom", "lampss", "walkedd", "xyz", "é", "中文", "a", "nation's"]
        with open(os.path.join(out, "small-vectors.txt"), "wb") as f:
            run(ft, "print-word-vectors", os.path.join(out, "small.bin"),
                input="\n".join(words).encode() + b"\n", stdout=f)
        try:
            import fasttext
            m = fasttext.load_model(os.path.join(out, "small.bin"))
            vecs = {w: [float(x) for x in m.get_word_vector(w)] for w in words}
            with open(os.path.join(out, "small-vectors.json"), "w", encoding="utf-8") as f:
                json.dump({"in_vocab": vocab[:40], "vectors": vecs}, f, ensure_ascii=False, indent=0,
                          sort_keys=True)
                f.write("\n")
        except ImportError:
            print("note: Python fasttext not importable; small-vectors.json kept", file=sys.stderr)
        sup = os.path.join(d, "sup.txt")
        with open(sup, "w", encoding="utf-8") as f:
            for i in range(300):
                f.write(f"__label__{'a' if i % 2 else 'b'} word{i % 7} other{i % 5} thing\n")
        run(ft, "supervised", "-input", sup, "-output", os.path.join(d, "sup"), "-dim", "4", "-epoch", "1",
            "-thread", "1", "-bucket", "1000", "-wordNgrams", "2")
        run(ft, "quantize", "-output", os.path.join(d, "sup"), "-input", sup, "-dsub", "2")
        shutil.copyfile(os.path.join(d, "sup.ftz"), os.path.join(out, "small.ftz"))

main()
