#!/usr/bin/env python3
"""Write the BPE reference fixtures: tiktoken's ids and an HF-trained tokenizer.

Usage: bpe_fixtures.py FIXTURES_BPE_DIR   (needs the `tiktoken` and `tokenizers` packages)

Writes, into tests/fixtures/bpe/:
  expected_ids.json          the texts below and the ids Python tiktoken gives for
                             r50k_base and cl100k_base (encode with every special
                             token allowed, and encode_ordinary), the encodings built
                             from the committed rank files (nothing is downloaded)
  hf_trained/tokenizer.json  a byte-level BPE that HF tokenizers' BpeTrainer learns
                             from hf_trained/corpus.txt (vocabulary 600, one special
                             token, the 256 bytes as initial alphabet, one line a
                             sequence without its line end)
  hf_trained/expected_ids.json  the ids that tokenizer gives for the same texts
"""
import gzip, inspect, json, os, re, sys, tempfile
import tiktoken
import tokenizers
from tiktoken.load import load_tiktoken_bpe
from tiktoken_ext import openai_public
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

TEXTS = [
    "hello world",
    "The quick brown fox jumps over the lazy dog. It's 5 o'clock; they'll say \"I'm fine\".",
    "HE'S HERE, WE'LL SEE, YOU'RE RIGHT, THEY'VE GONE, I'D GO. Don'T 'S 'Ll",
    "def encode(self, text):\n    if not text:\n        return []\n\tfor i in range(10):\n\t\tprint(i)  # two spaces\n",
    "trailing spaces   \nand tabs\t\t\nwindows line\r\nend\r\n\r\n   ",
    "a\n  b\n\n\n    c  ",
    "digits 1234567 and 3.14159265, 2024-01-31, 1,000,000 and ١٢٣٤",
    "中文分词很有意思。日本語のテキストも。한국어 문장입니다.",
    "emoji 😀👍🏽 family 👨‍👩‍👧‍👦 flag 🇫🇷 and ❤️",
    "combining: cafe\u0301 nai\u0308ve and precomposed café naïve; Ångström ﬁ",
    "special <|endoftext|> in the middle<|endoftext|>and at the end<|endoftext|>",
    "<|fim_prefix|>def f():<|fim_suffix|>\n    return 1<|fim_middle|> pass<|endofprompt|>",
    "a broken byte \ufffd here and \ufffd\ufffd there",
    "   leading spaces and     inner runs of      spaces",
    "Mixed CASE words, URLs like https://example.com/a?b=c&d=e#f and e-mail me@example.org",
    "Ελληνικά, русский текст, עברית, العربية, हिन्दी",
    "$$$ !!! ??? ... --- *** ### @@@ ^^^ ~~~ ``` ''' \"\"\"",
    "x" * 200 + " " + "ab" * 100,
    "\u00a0non-breaking\u2003em-space\u3000ideographic\u2028line-separator",
    "",
]

# Special tokens of each encoding (tiktoken_ext.openai_public).
R50K_SPECIALS = {"<|endoftext|>": 50256}
CL100K_SPECIALS = {
    "<|endoftext|>": 100257,
    "<|fim_prefix|>": 100258,
    "<|fim_middle|>": 100259,
    "<|fim_suffix|>": 100260,
    "<|endofprompt|>": 100276,
}


def ranks(path):
    """load_tiktoken_bpe on the gunzipped local rank file."""
    with tempfile.TemporaryDirectory() as d:
        plain = os.path.join(d, "ranks.tiktoken")
        with gzip.open(path, "rb") as f, open(plain, "wb") as g:
            g.write(f.read())
        return load_tiktoken_bpe(plain)


def encoding(name, fixtures, pat_str, specials):
    return tiktoken.Encoding(
        name,
        pat_str=pat_str,
        mergeable_ranks=ranks(os.path.join(fixtures, name + ".tiktoken.gz")),
        special_tokens=specials,
    )


def write_json(path, value):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(value, f, ensure_ascii=False, indent=1)
        f.write("\n")


def main():
    fixtures = sys.argv[1]
    r50k = encoding("r50k_base", fixtures, openai_public.r50k_pat_str, R50K_SPECIALS)
    # cl100k_base() would download the rank file: take only its pattern.
    src = inspect.getsource(openai_public.cl100k_base)
    pat = re.search(r'"pat_str": r"""(.*?)"""', src).group(1)
    cl100k = encoding("cl100k_base", fixtures, pat, CL100K_SPECIALS)
    out = {
        "generator": f"scripts/bpe_fixtures.py with tiktoken {tiktoken.__version__}",
        "texts": TEXTS,
    }
    for name, enc in [("r50k_base", r50k), ("cl100k_base", cl100k)]:
        out[name] = {
            "pat_str": enc._pat_str,
            "encode": [enc.encode(t, allowed_special="all") for t in TEXTS],
            "encode_ordinary": [enc.encode_ordinary(t) for t in TEXTS],
        }
    write_json(os.path.join(fixtures, "expected_ids.json"), out)

    hf_dir = os.path.join(fixtures, "hf_trained")
    with open(os.path.join(hf_dir, "corpus.txt"), encoding="utf-8") as f:
        lines = f.read().split("\n")
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=600,
        special_tokens=["<|endoftext|>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(lines, trainer=trainer)
    tok.save(os.path.join(hf_dir, "tokenizer.json"))
    write_json(os.path.join(hf_dir, "expected_ids.json"), {
        "generator": f"scripts/bpe_fixtures.py with tokenizers {tokenizers.__version__}",
        "texts": TEXTS,
        "ids": [tok.encode(t).ids for t in TEXTS],
    })


main()
