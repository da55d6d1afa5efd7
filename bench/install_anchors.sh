#!/usr/bin/env bash
# Installs the reference tools ("anchors") that `cargo xtask bench` runs next
# to embedpos, into one folder (default: target/anchors of this checkout):
#
#   venv/bin/word2vec      word2vec C, compiled from source by the PyPI package `word2vec`
#   venv/bin/python3       Python with gensim (scores vectors: bench/score_vectors.py),
#                          Hugging Face tokenizers and tiktoken (bench/bpe_reference.py)
#   venv/bin/word2phrase   word2vec's phrase tool, built by the same package
#   bin/fasttext           fastText's command line (Debian package `fasttext`)
#   glove-c/build/{vocab_count,cooccur,shuffle,glove}
#                          GloVe C, built from a source folder or tarball you name
#
# Usage: bench/install_anchors.sh [--dir DIR] [--glove-src DIR|TARBALL] [--skip-fasttext]
#   --dir DIR          where to install (env EMBEDPOS_ANCHORS; default target/anchors)
#   --glove-src PATH   GloVe C sources: a folder holding its Makefile and src/,
#                      or a .tar.gz / .tgz / .zip of one (env EMBEDPOS_GLOVE_SRC).
#                      Without it GloVe C is left out (unless already built).
#   --skip-fasttext    do not try to install fastText
#
# Runs again safely: whatever is already in place is kept. Exits 0 when every
# tool it was asked for is in place, 1 otherwise (the summary says which).
set -uo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
dir=${EMBEDPOS_ANCHORS:-${ANCHORS:-$repo/target/anchors}}
glove_src=${EMBEDPOS_GLOVE_SRC:-}
want_fasttext=1
while [ $# -gt 0 ]; do
  case "$1" in
    --dir) dir=$2; shift 2 ;;
    --dir=*) dir=${1#--dir=}; shift ;;
    --glove-src) glove_src=$2; shift 2 ;;
    --glove-src=*) glove_src=${1#--glove-src=}; shift ;;
    --skip-fasttext) want_fasttext=0; shift ;;
    -h|--help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "install_anchors.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
mkdir -p "$dir/bin" || exit 1
dir=$(cd "$dir" && pwd)
log=$dir/install.log
: > "$log"
missing=()
say() { echo "install_anchors: $*" >&2; }

# Python: one venv for word2vec C (its package compiles the C tool into
# venv/bin) and gensim (the evaluators). Versions pinned so that scores from
# different machines are comparable.
py=$dir/venv/bin/python3
# A venv whose pip is missing (python3 -m venv stopped half-way, e.g. without
# Debian's python3-venv) is made again rather than reused.
if [ -x "$py" ] && ! "$py" -m pip --version >/dev/null 2>&1; then
  rm -rf "$dir/venv"
fi
if [ ! -x "$py" ]; then
  say "creating a Python venv in $dir/venv"
  if ! python3 -m venv "$dir/venv" >>"$log" 2>&1 || ! "$py" -m pip --version >/dev/null 2>&1; then
    say "python3 -m venv failed (see $log); on Debian/Ubuntu install python3-venv"
    rm -rf "$dir/venv"
  fi
fi
if [ -x "$py" ]; then
  if ! "$py" -c 'import gensim, numpy, scipy' >/dev/null 2>&1; then
    say "installing gensim into the venv (a few minutes)"
    "$py" -m pip install -q --disable-pip-version-check \
      "gensim==4.4.0" "numpy==2.4.6" "scipy==1.17.1" >>"$log" 2>&1 ||
      say "pip could not install gensim (see $log)"
  fi
  if ! "$py" -c 'import tokenizers, tiktoken' >/dev/null 2>&1; then
    say "installing Hugging Face tokenizers and tiktoken into the venv"
    "$py" -m pip install -q --disable-pip-version-check \
      "tokenizers==0.23.3" "tiktoken==0.14.0" >>"$log" 2>&1 ||
      say "pip could not install tokenizers and tiktoken (see $log)"
  fi
  if [ ! -x "$dir/venv/bin/word2vec" ] || [ ! -x "$dir/venv/bin/word2phrase" ]; then
    say "building word2vec C and word2phrase through the PyPI package word2vec"
    "$py" -m pip install -q --disable-pip-version-check "word2vec==0.11.1" >>"$log" 2>&1 ||
      say "pip could not install word2vec (see $log)"
  fi
fi
"$py" -c 'import gensim' >/dev/null 2>&1 || missing+=("gensim")
[ -x "$dir/venv/bin/word2vec" ] || missing+=("word2vec C")
"$py" -c 'import tokenizers, tiktoken' >/dev/null 2>&1 || missing+=("tokenizers/tiktoken")
[ -x "$dir/venv/bin/word2phrase" ] || missing+=("word2phrase")

# fastText: the Debian package's command line; linked into bin/ so that the
# bench finds it in one place.
if [ "$want_fasttext" = 1 ] && [ ! -x "$dir/bin/fasttext" ]; then
  ft=$(command -v fasttext || true)
  if [ -z "$ft" ] && command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
    say "installing Debian's fasttext"
    apt-get install -y -q fasttext >>"$log" 2>&1 ||
      { apt-get update -q >>"$log" 2>&1 && apt-get install -y -q fasttext >>"$log" 2>&1; }
    ft=$(command -v fasttext || true)
  fi
  if [ -n "$ft" ]; then
    ln -sf "$(readlink -f "$ft")" "$dir/bin/fasttext"
  else
    say "fastText not installed: as root, 'apt-get install fasttext' (Debian/Ubuntu), or build it"
    say "  from fastText's sources with 'make' and put the binary at $dir/bin/fasttext"
    missing+=("fastText")
  fi
fi

# GloVe C: only from sources the user names.
gdir=$dir/glove-c
if [ ! -x "$gdir/build/glove" ] && [ -n "$glove_src" ]; then
  if [ ! -e "$glove_src" ]; then
    say "--glove-src $glove_src does not exist"
  else
    say "building GloVe C from $glove_src"
    rm -rf "$gdir" "$dir/glove-unpack"
    search=$glove_src
    if [ ! -d "$glove_src" ]; then
      search=$dir/glove-unpack
      mkdir -p "$search"
      case "$glove_src" in
        *.zip) python3 -m zipfile -e "$glove_src" "$search" >>"$log" 2>&1 ;;
        *) tar -xf "$glove_src" -C "$search" >>"$log" 2>&1 ;;
      esac
    fi
    # The sources may sit a folder or two down (as in a tarball of a checkout).
    top=$(find "$search" -maxdepth 3 -path '*/src/glove.c' 2>/dev/null |
      sed 's#/src/glove.c$##' | while read -r d; do [ -f "$d/Makefile" ] && echo "$d"; done | head -n 1)
    if [ -z "$top" ]; then
      say "no GloVe C sources (a Makefile beside src/glove.c) found in $glove_src"
    else
      cp -r "$top" "$gdir" && make -C "$gdir" >>"$log" 2>&1 || say "building GloVe C failed (see $log)"
    fi
    rm -rf "$dir/glove-unpack"
  fi
fi
glove_ok=1
for t in vocab_count cooccur shuffle glove; do
  [ -x "$gdir/build/$t" ] || glove_ok=0
done
if [ "$glove_ok" = 0 ]; then
  # Asked for (a source was named) but not built: a failure. Not asked for:
  # left out, which is no failure.
  if [ -n "$glove_src" ]; then
    missing+=("GloVe C")
  else
    say "GloVe C left out: pass --glove-src DIR|TARBALL (or set EMBEDPOS_GLOVE_SRC)"
  fi
fi

echo "anchors in $dir"
show() { if [ -e "$2" ]; then printf '  %-11s %s\n' "$1" "$2"; else printf '  %-11s missing\n' "$1"; fi; }
show "word2vec C" "$dir/venv/bin/word2vec"
show "word2phrase" "$dir/venv/bin/word2phrase"
show "gensim" "$dir/venv/bin/python3"
if "$py" -c 'import tokenizers, tiktoken' >/dev/null 2>&1; then
  printf '  %-11s %s\n' "tokenizers" "$dir/venv/bin/python3 (tokenizers, tiktoken)"
else
  printf '  %-11s missing\n' "tokenizers"
fi
show "fastText" "$dir/bin/fasttext"
show "GloVe C" "$gdir/build/glove"
if [ ${#missing[@]} -gt 0 ]; then
  echo "missing: ${missing[*]} (log: $log)"
  exit 1
fi
