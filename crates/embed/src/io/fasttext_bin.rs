//! Reading fastText `.bin` models (fastText 0.9.x, file format version 11 or 12)
//! as [`FastTextBin`], and turning them into [`Embeddings`].
//!
//! [`FastTextBin::load`] reads a `.bin`; [`FastTextBin::into_embeddings`]
//! (or simply [`Embeddings::load`], which recognises the file by its magic
//! number) turns it into [`Embeddings`] whose rows are what
//! `fasttext print-word-vectors` prints for the in-vocabulary words and whose
//! [`Subwords`] give every other string a vector the same way.
//!
//! Layout (all little-endian): magic `793712314` and version (i32 each); the
//! training arguments (12 × i32, then `t` as f64); the dictionary (`size`,
//! `nwords`, `nlabels` as i32, `ntokens` and `pruneidx_size` as i64, each
//! entry a NUL-terminated word, an i64 count and an i8 type, then
//! `pruneidx_size` pairs of i32); a quantisation flag (u8); the input matrix
//! (i64 rows, i64 columns, rows × columns f32); then the output matrix, which
//! word vectors do not need and is not read.
//!
//! Every size is checked against the bytes left in the file before anything is
//! allocated from it, so a truncated or foreign file is a clear error and never
//! a huge allocation. Quantized models (`.ftz`) are refused: their input
//! matrix is product-quantized and cannot be used as plain vectors.
//!
//! Settings fastText accepts but that build no n-gram are read as they are
//! and give the same vectors fastText computes: `minn > maxn` or `maxn` 0
//! (each word is its own row; unseen words have no rows, and fastText prints
//! zeros for them). `maxn > 0` with `bucket` 0 would make fastText divide by
//! zero and is refused. Dictionary words longer than 1 MiB are refused as
//! corrupt; query words of any length are fine (their n-grams are visited
//! one at a time).

use crate::embeddings::Embeddings;
use crate::error::Error;
use crate::kernels::{Portable, RowMean};
use crate::subwords::Subwords;
use embedpos_tokenize::NgramConfig;
use embedpos_tokenize::Vocab;
use std::collections::HashMap;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

/// fastText's file magic number.
pub const FASTTEXT_MAGIC: i32 = 793_712_314;

/// What went wrong reading a fastText model: the file, the byte offset and a
/// message that says what was expected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}: at byte {offset}: {message}", path.display())]
pub struct FastTextBinError {
    /// The model file.
    pub path: PathBuf,
    /// Byte offset where reading failed.
    pub offset: u64,
    /// What was wrong.
    pub message: String,
}

/// Which model a `.bin` was trained as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FastTextModelKind {
    /// Continuous bag of words.
    Cbow,
    /// Skip-gram.
    SkipGram,
    /// Supervised classifier.
    Supervised,
}

/// The training arguments stored in the model.
#[derive(Debug, Clone, PartialEq)]
pub struct FastTextArgs {
    /// Vector dimension.
    pub dim: usize,
    /// Context window size.
    pub ws: i32,
    /// Epochs.
    pub epoch: i32,
    /// Minimal word count.
    pub min_count: i32,
    /// Negatives sampled.
    pub neg: i32,
    /// Word n-gram length (supervised models).
    pub word_ngrams: i32,
    /// Loss code (1 hs, 2 ns, 3 softmax, 4 one-vs-all).
    pub loss: i32,
    /// The model kind.
    pub model: FastTextModelKind,
    /// Number of n-gram buckets.
    pub bucket: u32,
    /// Shortest char n-gram.
    pub minn: usize,
    /// Longest char n-gram.
    pub maxn: usize,
    /// Learning-rate update rate.
    pub lr_update_rate: i32,
    /// Subsampling threshold.
    pub t: f64,
}

/// A fastText model's dictionary and input matrix: enough to compute the
/// vector of any word, as `fasttext print-word-vectors` does.
#[derive(Debug, Clone)]
pub struct FastTextBin {
    /// Training arguments.
    pub args: FastTextArgs,
    /// Words (not labels), in the model's order, with their counts.
    pub words: Vec<(String, u64)>,
    /// Input matrix, row-major: `nwords + bucket` rows of `dim` values
    /// (fewer n-gram rows when the model was pruned).
    pub input: Vec<f32>,
    /// Rows of the input matrix.
    pub rows: usize,
    index: HashMap<String, usize>,
    /// Bucket id -> row offset after the words, when the model was pruned
    /// (`None`: every bucket has its row).
    pruneidx: Option<HashMap<u32, u32>>,
}

struct Reader<R> {
    inner: R,
    offset: u64,
    len: u64,
    path: PathBuf,
}

impl<R: Read> Reader<R> {
    fn err(&self, message: impl Into<String>) -> FastTextBinError {
        FastTextBinError {
            path: self.path.clone(),
            offset: self.offset,
            message: message.into(),
        }
    }

    fn left(&self) -> u64 {
        self.len.saturating_sub(self.offset)
    }

    fn bytes<const N: usize>(&mut self, what: &str) -> Result<[u8; N], FastTextBinError> {
        let mut b = [0u8; N];
        self.inner.read_exact(&mut b).map_err(|e| {
            self.err(format!(
                "cannot read {what} ({e}); the file is truncated or not a fastText model"
            ))
        })?;
        self.offset += N as u64;
        Ok(b)
    }

    fn i32(&mut self, what: &str) -> Result<i32, FastTextBinError> {
        Ok(i32::from_le_bytes(self.bytes::<4>(what)?))
    }

    fn i64(&mut self, what: &str) -> Result<i64, FastTextBinError> {
        Ok(i64::from_le_bytes(self.bytes::<8>(what)?))
    }

    fn f64(&mut self, what: &str) -> Result<f64, FastTextBinError> {
        Ok(f64::from_le_bytes(self.bytes::<8>(what)?))
    }

    fn u8(&mut self, what: &str) -> Result<u8, FastTextBinError> {
        Ok(self.bytes::<1>(what)?[0])
    }

    fn nonneg(&mut self, v: i64, what: &str, max: u64) -> Result<u64, FastTextBinError> {
        if v < 0 || v as u64 > max {
            return Err(self.err(format!(
                "{what} is {v}, which does not fit a file of {} bytes",
                self.len
            )));
        }
        Ok(v as u64)
    }

    /// A NUL-terminated word of at most 1 MiB.
    fn word(&mut self, buf: &mut Vec<u8>) -> Result<String, FastTextBinError> {
        buf.clear();
        loop {
            let b = self.u8("a dictionary word")?;
            if b == 0 {
                break;
            }
            if buf.len() >= 1 << 20 {
                return Err(self.err("a dictionary word longer than 1 MiB: the file is corrupt"));
            }
            buf.push(b);
        }
        Ok(String::from_utf8_lossy(buf).into_owned())
    }
}

impl FastTextBin {
    /// Reads a `.bin` model file.
    pub fn load(path: &Path) -> Result<Self, FastTextBinError> {
        let fail = |message: String| FastTextBinError {
            path: path.to_path_buf(),
            offset: 0,
            message,
        };
        let file = std::fs::File::open(path).map_err(|e| fail(format!("cannot open: {e}")))?;
        let len = file
            .metadata()
            .map_err(|e| fail(format!("cannot stat: {e}")))?
            .len();
        let mut r = Reader {
            inner: BufReader::with_capacity(1 << 20, file),
            offset: 0,
            len,
            path: path.to_path_buf(),
        };
        Self::read(&mut r)
    }

    fn read<R: Read>(r: &mut Reader<R>) -> Result<Self, FastTextBinError> {
        let magic = r.i32("the magic number")?;
        if magic != FASTTEXT_MAGIC {
            return Err(FastTextBinError {
                offset: 0,
                ..r.err(format!(
                    "magic number {magic} is not fastText's {FASTTEXT_MAGIC}: not a fastText .bin model"
                ))
            });
        }
        let version = r.i32("the version")?;
        if !(11..=12).contains(&version) {
            return Err(r.err(format!(
                "file format version {version} is not supported (fastText 0.9 writes 12; 11 is read too)"
            )));
        }
        let dim = r.i32("dim")?;
        let ws = r.i32("ws")?;
        let epoch = r.i32("epoch")?;
        let min_count = r.i32("minCount")?;
        let neg = r.i32("neg")?;
        let word_ngrams = r.i32("wordNgrams")?;
        let loss = r.i32("loss")?;
        let model = match r.i32("model")? {
            1 => FastTextModelKind::Cbow,
            2 => FastTextModelKind::SkipGram,
            3 => FastTextModelKind::Supervised,
            m => {
                return Err(r.err(format!(
                    "unknown model code {m} (1 cbow, 2 skipgram, 3 supervised)"
                )))
            }
        };
        let bucket = r.i32("bucket")?;
        let minn = r.i32("minn")?;
        let mut maxn = r.i32("maxn")?;
        let lr_update_rate = r.i32("lrUpdateRate")?;
        let t = r.f64("t")?;
        if dim <= 0 || dim > 1 << 20 {
            return Err(r.err(format!("dim {dim} is out of range")));
        }
        if bucket < 0 || minn < 0 || maxn < 0 {
            return Err(r.err(format!(
                "negative bucket/minn/maxn ({bucket}/{minn}/{maxn}): the file is corrupt"
            )));
        }
        if version == 11 && model == FastTextModelKind::Supervised {
            // fastText: old supervised models do not use char n-grams.
            maxn = 0;
        }
        let args = FastTextArgs {
            dim: dim as usize,
            ws,
            epoch,
            min_count,
            neg,
            word_ngrams,
            loss,
            model,
            bucket: bucket as u32,
            minn: minn as usize,
            maxn: maxn as usize,
            lr_update_rate,
            t,
        };
        if args.maxn > 0 && args.bucket == 0 {
            return Err(r.err("maxn > 0 with bucket 0: the model has n-grams but no rows for them"));
        }

        // Dictionary: each entry takes at least 10 bytes.
        let size = r.i32("the dictionary size")? as i64;
        let size = r.nonneg(size, "the dictionary size", r.left() / 10)? as usize;
        let nwords = r.i32("the number of words")? as i64;
        let nwords = r.nonneg(nwords, "the number of words", size as u64)? as usize;
        let nlabels = r.i32("the number of labels")? as i64;
        let nlabels = r.nonneg(nlabels, "the number of labels", size as u64)? as usize;
        if nwords + nlabels != size {
            return Err(r.err(format!(
                "{nwords} words + {nlabels} labels != dictionary size {size}"
            )));
        }
        let _ntokens = r.i64("the number of tokens")?;
        let pruneidx_size = r.i64("the prune index size")?;
        let mut words = Vec::with_capacity(nwords);
        let mut buf = Vec::new();
        for i in 0..size {
            let w = r.word(&mut buf)?;
            let count = r.i64("a word count")?;
            let count = r.nonneg(count, "a word count", i64::MAX as u64)?;
            let kind = r.u8("an entry type")?;
            match kind {
                0 => words.push((w, count)),
                1 => {}
                k => {
                    return Err(r.err(format!(
                        "entry {i}: type {k} is neither word (0) nor label (1)"
                    )))
                }
            }
        }
        if words.len() != nwords {
            return Err(r.err(format!(
                "the dictionary holds {} words, its header says {nwords}",
                words.len()
            )));
        }
        let pruneidx = if pruneidx_size >= 0 {
            let n = r.nonneg(pruneidx_size, "the prune index size", r.left() / 8)?;
            let mut m = HashMap::with_capacity(n as usize);
            for _ in 0..n {
                let a = r.i32("a prune index key")?;
                let b = r.i32("a prune index value")?;
                if a < 0 || b < 0 {
                    return Err(r.err("negative prune index entry: the file is corrupt"));
                }
                m.insert(a as u32, b as u32);
            }
            Some(m)
        } else {
            None
        };
        let quant = r.u8("the quantisation flag")?;
        if quant != 0 {
            return Err(r.err(
                "this is a quantized model (.ftz): its vectors are product-quantized; use the .bin model it was made from",
            ));
        }
        let rows = r.i64("the input matrix rows")?;
        let rows = r.nonneg(rows, "the input matrix rows", r.left() / 4)? as usize;
        let cols = r.i64("the input matrix columns")?;
        if cols != dim as i64 {
            return Err(r.err(format!("the input matrix has {cols} columns, dim is {dim}")));
        }
        let needed = rows as u64 * args.dim as u64 * 4;
        if needed > r.left() {
            return Err(r.err(format!(
                "the input matrix needs {needed} bytes ({rows} × {dim} f32), only {} are left: the file is truncated",
                r.left()
            )));
        }
        if rows < nwords {
            return Err(r.err(format!(
                "the input matrix has {rows} rows for {nwords} words"
            )));
        }
        let ngram_rows = (rows - nwords) as u64;
        let expected_ngram_rows = match &pruneidx {
            Some(_) => ngram_rows,
            None if args.maxn == 0 && word_ngrams <= 1 => ngram_rows,
            None => args.bucket as u64,
        };
        if ngram_rows != expected_ngram_rows {
            return Err(r.err(format!(
                "the input matrix has {ngram_rows} n-gram rows, bucket is {}",
                args.bucket
            )));
        }
        // Read in chunks so that peak memory is the matrix, not twice it
        // (real models hold gigabytes).
        let total = rows * args.dim;
        let mut input: Vec<f32> = Vec::with_capacity(total);
        let mut raw = vec![0u8; (total * 4).min(1 << 20)];
        while input.len() < total {
            let take = ((total - input.len()) * 4).min(raw.len());
            r.inner
                .read_exact(&mut raw[..take])
                .map_err(|e| r.err(format!("cannot read the input matrix: {e}")))?;
            r.offset += take as u64;
            input.extend(
                raw[..take]
                    .chunks_exact(4)
                    .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])),
            );
        }
        // The output matrix is not needed for word vectors, but its size must
        // account for the rest of the file: a truncated file is an error.
        let qout = r.u8("the output quantisation flag")?;
        if qout == 0 {
            let orows = r.i64("the output matrix rows")?;
            let ocols = r.i64("the output matrix columns")?;
            let need = (orows as i128) * (ocols as i128) * 4;
            if orows < 0 || ocols != dim as i64 || need != r.left() as i128 {
                return Err(r.err(format!(
                    "the output matrix ({orows} × {ocols} f32) does not match the {} bytes left: the file is truncated or corrupt",
                    r.left()
                )));
            }
        }
        let index = words
            .iter()
            .enumerate()
            .map(|(i, (w, _))| (w.clone(), i))
            .collect();
        Ok(FastTextBin {
            args,
            words,
            input,
            rows,
            index,
            pruneidx,
        })
    }

    /// The vector dimension.
    pub fn dim(&self) -> usize {
        self.args.dim
    }

    /// The char n-gram settings of the model.
    pub fn ngram_config(&self) -> NgramConfig {
        NgramConfig {
            minn: self.args.minn,
            maxn: self.args.maxn,
            bucket: self.args.bucket,
        }
    }

    /// The input-matrix rows that make up `word`: its own row when in the
    /// vocabulary, then its char n-gram rows (none for `</s>`), as fastText's
    /// `Dictionary::getSubwords`.
    pub fn subword_rows(&self, word: &str, out: &mut Vec<usize>) {
        let nwords = self.words.len();
        if let Some(&i) = self.index.get(word) {
            out.push(i);
        }
        if word == "</s>" {
            return;
        }
        let cfg = self.ngram_config();
        cfg.for_each_ngram(word, |_, h| match &self.pruneidx {
            None => out.push(nwords + h as usize),
            Some(m) => {
                if let Some(&j) = m.get(&h) {
                    out.push(nwords + j as usize);
                }
            }
        });
    }

    /// The vector of any word: the mean of its rows (see
    /// [`subword_rows`](Self::subword_rows)), zero when it has none — what
    /// `fasttext print-word-vectors` prints.
    pub fn word_vector(&self, word: &str) -> Vec<f32> {
        let mut v = vec![0f32; self.dim()];
        self.compose(word, &mut Vec::new(), &mut v);
        v
    }

    /// Writes the mean of `word`'s rows to `out` (zeros without rows);
    /// `rows` is scratch space. A row past the matrix (a corrupt prune
    /// index) counts as a row of zeros.
    fn compose(&self, word: &str, rows: &mut Vec<usize>, out: &mut [f32]) {
        let d = self.dim();
        rows.clear();
        self.subword_rows(word, rows);
        let mut mean = RowMean::<Portable>::new(out);
        for &r in rows.iter() {
            match self.input.get(r * d..(r + 1) * d) {
                Some(row) => mean.add(row),
                None => mean.add_zeros(),
            }
        }
        mean.mean();
    }

    /// The number of entries of the model's n-gram prune index, or `None`
    /// when the model was not pruned (every bucket has its row).
    pub fn prune_index_len(&self) -> Option<usize> {
        self.pruneidx.as_ref().map(HashMap::len)
    }

    /// The in-vocabulary word's id, if any.
    pub fn word_id(&self, word: &str) -> Option<usize> {
        self.index.get(word).copied()
    }
}

impl From<FastTextBinError> for Error {
    fn from(e: FastTextBinError) -> Self {
        Error::Corrupt {
            path: e.path,
            offset: e.offset,
            message: e.message,
        }
    }
}

impl FastTextBin {
    /// The model as [`Embeddings`]: the vocabulary (words only, labels of a
    /// supervised model left out) in the model's order with its counts; row
    /// `i` the vector fastText's `getWordVector` gives word `i` (the mean of
    /// its own input row and its n-gram rows, what fastText writes to
    /// `.vec`); and, when the model uses char n-grams, the `bucket` n-gram
    /// rows as [`Subwords`], so that unseen words get the mean of their
    /// n-gram rows.
    ///
    /// Models without usable n-grams load without subwords, and unseen words
    /// are then not in the vocabulary (fastText would print a zero vector):
    /// `maxn` 0 (e.g. supervised models), `minn > maxn` (fastText builds no
    /// n-gram then), or a prune index of size 0. `minn` 0 behaves as 1, as
    /// in fastText. A non-empty prune index (only written with quantized
    /// models, which the reader refuses) is an error. `path` names the file
    /// in errors.
    pub fn into_embeddings(mut self, path: &Path) -> crate::Result<Embeddings> {
        let dim = self.dim();
        let nw = self.words.len() * dim;
        if self.input.len() < nw || self.rows * dim != self.input.len() {
            return Err(Error::corrupt(
                path,
                0,
                format!(
                    "the input matrix has {} values for {} rows of {dim}, and needs at least {} words",
                    self.input.len(),
                    self.rows,
                    self.words.len()
                ),
            ));
        }
        // Compose each word's vector and write it over the word's own input
        // row (which no other word uses), so that a real model (gigabytes)
        // needs no second matrix; the bucket rows are then moved, not copied.
        let mut rows = Vec::new();
        let mut v = vec![0f32; dim];
        for i in 0..self.words.len() {
            self.compose(&self.words[i].0, &mut rows, &mut v);
            self.input[i * dim..(i + 1) * dim].copy_from_slice(&v);
        }
        let mut input = std::mem::take(&mut self.input);
        let matrix = input[..nw].to_vec();
        input.drain(..nw);
        let config = NgramConfig {
            minn: self.args.minn.max(1),
            maxn: self.args.maxn,
            bucket: self.args.bucket,
        };
        let usable = config.enabled() && config.minn <= config.maxn;
        let subwords = match self.prune_index_len() {
            Some(0) => None,
            Some(n) => {
                return Err(Error::format(
                    path,
                    format!(
                        "the model's n-gram rows were pruned ({n} kept of {} buckets), which only \
                         quantized fastText models do; use the unquantized .bin",
                        self.args.bucket
                    ),
                ))
            }
            None if !usable => None,
            None => {
                let n = self.args.bucket as usize * dim;
                if input.len() < n {
                    return Err(Error::corrupt(
                        path,
                        0,
                        format!(
                            "the input matrix has {} rows, fewer than {} words + {} buckets",
                            self.rows,
                            self.words.len(),
                            self.args.bucket
                        ),
                    ));
                }
                input.truncate(n);
                input.shrink_to_fit();
                Some(Subwords::new(config, dim, input)?)
            }
        };
        let (tokens, counts): (Vec<String>, Vec<u64>) = self.words.into_iter().unzip();
        let vocab = Vocab::from_ordered(tokens, counts).map_err(|e| {
            Error::format(
                path,
                format!("the model's dictionary cannot be used as a vocabulary: {e}"),
            )
        })?;
        let emb = Embeddings::new(vocab, dim, matrix)
            .map_err(|e| Error::format(path, format!("the model's vectors are not usable: {e}")))?;
        match subwords {
            Some(s) => emb.with_subwords(s),
            None => Ok(emb),
        }
    }
}

/// Reads a fastText `.bin` model as [`Embeddings`] (see
/// [`FastTextBin::into_embeddings`]).
pub(crate) fn read(path: &Path) -> crate::Result<Embeddings> {
    FastTextBin::load(path)?.into_embeddings(path)
}
