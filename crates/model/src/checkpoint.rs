//! Checkpoints: a folder that holds a model, and optionally the optimiser
//! and training settings to resume it bit-identically.
//!
//! ```text
//! model/
//!   config.json             {"format": "embedpos-model", "version": 1, "vector_dim": …, "model": ModelConfig}
//!   vocab.json              {"tokens": [...], "counts": [...]}   (specials first, ids in order)
//!   model.safetensors       every parameter, named as crate::params documents, F32 (F64 for an f64 model)
//!   optimizer.safetensors   "<name>.exp_avg", "<name>.exp_avg_sq" per parameter; metadata "step"   (trainer only)
//!   train.json              TrainConfig                                                          (trainer only)
//! ```
//!
//! A checkpoint is written whole or not at all: every file goes to a
//! hidden temporary folder beside the target (each through
//! `embedpos_base::write_atomic`, so synced), and the folder is then renamed
//! into place. An existing checkpoint at the target is first renamed aside
//! and removed after the swap; a folder there that is not a checkpoint is
//! refused rather than replaced.
//!
//! Loading checks everything it reads: the format marker, every tensor's
//! presence, dtype and shape against the architecture in `config.json` (a
//! tensor too many is an error too), and the files' lengths (a truncated
//! file is reported as such).

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use embedpos_input::{Real, TokenEmbedding};
use embedpos_tokenize::Vocab;
use safetensors::{Dtype, SafeTensors};
use serde::{Deserialize, Serialize};

use crate::config::ModelConfig;
use crate::error::{Error, Result};
use crate::model::Model;
use crate::optim::AdamW;
use crate::train::{TrainConfig, TrainState, Trainer};

/// The `format` marker of `config.json`.
pub const FORMAT: &str = "embedpos-model";
/// The version of the layout this crate writes and reads.
pub const VERSION: u32 = 1;

/// File names inside a checkpoint folder.
const CONFIG: &str = "config.json";
const VOCAB: &str = "vocab.json";
const WEIGHTS: &str = "model.safetensors";
const OPTIMIZER: &str = "optimizer.safetensors";
const TRAIN: &str = "train.json";

#[derive(Debug, Serialize, Deserialize)]
struct ConfigFile {
    format: String,
    version: u32,
    vector_dim: usize,
    model: ModelConfig,
}

#[derive(Debug, Serialize, Deserialize)]
struct VocabFile {
    tokens: Vec<String>,
    counts: Vec<u64>,
}

/// Writes `model` to the folder `dir` (created, or replaced when it holds a
/// checkpoint).
pub fn save_model<T: Real>(model: &Model<T>, dir: &Path) -> Result<()> {
    write_folder(dir, model_files(model)?)
}

/// Writes the model, the optimiser state and the training settings to `dir`.
pub fn save_trainer<T: Real>(state: &TrainState<'_, T>, dir: &Path) -> Result<()> {
    let mut files = model_files(state.model)?;
    let info = state.model.param_info();
    let mut tensors: Vec<(String, Dtype, Vec<usize>, Vec<u8>)> = Vec::new();
    for (p, (m, v)) in info.iter().zip(
        state
            .optimizer
            .first_moments()
            .iter()
            .zip(state.optimizer.second_moments()),
    ) {
        tensors.push((
            format!("{}.exp_avg", p.name),
            dtype::<T>(),
            p.shape.clone(),
            bytes(m),
        ));
        tensors.push((
            format!("{}.exp_avg_sq", p.name),
            dtype::<T>(),
            p.shape.clone(),
            bytes(v),
        ));
    }
    let meta = HashMap::from([
        ("step".to_string(), state.optimizer.steps().to_string()),
        (
            "adamw".to_string(),
            serde_json::to_string(state.optimizer.config()).map_err(json_error)?,
        ),
    ]);
    files.push((OPTIMIZER, serialize(tensors, meta)?));
    files.push((
        TRAIN,
        serde_json::to_vec_pretty(state.config).map_err(json_error)?,
    ));
    write_folder(dir, files)
}

impl<T: Real> TrainState<'_, T> {
    /// [`save_trainer`]: writes everything a run needs to resume to `dir`.
    pub fn save(&self, dir: &Path) -> Result<()> {
        save_trainer(self, dir)
    }
}

/// Reads the model of the checkpoint in `dir`.
pub fn load_model<T: Real>(dir: &Path) -> Result<Model<T>> {
    let config: ConfigFile = read_json(&dir.join(CONFIG))?;
    if config.format != FORMAT || config.version != VERSION {
        return Err(Error::checkpoint(
            &dir.join(CONFIG),
            format!(
                "format {:?} version {} is not {FORMAT:?} version {VERSION}; \
                 was it written by another program?",
                config.format, config.version
            ),
        ));
    }
    let vocab_path = dir.join(VOCAB);
    let vocab: VocabFile = read_json(&vocab_path)?;
    let vocab = Vocab::from_ordered(vocab.tokens, vocab.counts)
        .map_err(|e| Error::checkpoint(&vocab_path, e.to_string()))?;
    let table = vec![T::zero(); vocab.len() * config.vector_dim];
    let embedding = TokenEmbedding::from_table(vocab, config.vector_dim, table)
        .map_err(|e| Error::checkpoint(&vocab_path, e.to_string()))?;
    let mut model = Model::new(config.model, embedding)
        .map_err(|e| Error::checkpoint(&dir.join(CONFIG), e.to_string()))?;
    model.load_weights(&dir.join(WEIGHTS))?;
    Ok(model)
}

/// Reads a trainer (model, optimiser state, settings) from `dir`, to resume
/// training exactly where it stopped.
pub fn load_trainer<T: Real>(dir: &Path) -> Result<Trainer<T>> {
    let model = load_model::<T>(dir)?;
    let train: TrainConfig = read_json(&dir.join(TRAIN))?;
    let path = dir.join(OPTIMIZER);
    let buf = read(&path)?;
    let st = SafeTensors::deserialize(&buf).map_err(|e| damaged(&path, e))?;
    let (_, meta) = SafeTensors::read_metadata(&buf).map_err(|e| damaged(&path, e))?;
    let meta = meta.metadata().clone().unwrap_or_default();
    let step: u64 = meta
        .get("step")
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| Error::checkpoint(&path, "the metadata has no step count"))?;
    let adamw = meta
        .get("adamw")
        .and_then(|s| serde_json::from_str(s).ok())
        .ok_or_else(|| Error::checkpoint(&path, "the metadata has no AdamW settings"))?;
    let info = model.param_info();
    let mut names: Vec<String> = Vec::new();
    let (mut m, mut v) = (Vec::new(), Vec::new());
    for p in &info {
        for (suffix, out) in [("exp_avg", &mut m), ("exp_avg_sq", &mut v)] {
            let name = format!("{}.{suffix}", p.name);
            out.push(read_tensor::<T>(&st, &path, &name, &p.shape)?);
            names.push(name);
        }
    }
    check_no_extra(&st, &path, &names)?;
    let optimizer = AdamW::from_state(adamw, &model, step, m, v)?;
    Trainer::from_parts(model, optimizer, train)
}

impl<T: Real> Model<T> {
    /// Loads every parameter from a safetensors file written for this
    /// architecture. A missing tensor, one too many, or one of another
    /// shape is an error that names it; the model is left unchanged then.
    pub fn load_weights(&mut self, path: &Path) -> Result<()> {
        let buf = read(path)?;
        let st = SafeTensors::deserialize(&buf).map_err(|e| damaged(path, e))?;
        let info = self.param_info();
        let mut values = Vec::with_capacity(info.len());
        for p in &info {
            values.push(read_tensor::<T>(&st, path, &p.name, &p.shape)?);
        }
        let names: Vec<String> = info.iter().map(|p| p.name.clone()).collect();
        check_no_extra(&st, path, &names)?;
        for (dst, src) in self.param_values_mut().into_iter().zip(values) {
            dst.copy_from_slice(&src);
        }
        Ok(())
    }

    /// The parameters as safetensors bytes (names and shapes of
    /// [`Model::param_info`]).
    pub fn weights_safetensors(&self) -> Result<Vec<u8>> {
        let tensors = self
            .param_info()
            .into_iter()
            .zip(self.param_values())
            .map(|(p, v)| (p.name, dtype::<T>(), p.shape, bytes(v)))
            .collect();
        serialize(
            tensors,
            HashMap::from([("format".to_string(), "pt".to_string())]),
        )
    }
}

fn model_files<T: Real>(model: &Model<T>) -> Result<Vec<(&'static str, Vec<u8>)>> {
    let emb = model.input().embedding();
    let config = ConfigFile {
        format: FORMAT.into(),
        version: VERSION,
        vector_dim: emb.dim(),
        model: model.config().clone(),
    };
    let vocab = VocabFile {
        tokens: emb.vocab().tokens().to_vec(),
        counts: emb.vocab().counts().to_vec(),
    };
    Ok(vec![
        (
            CONFIG,
            serde_json::to_vec_pretty(&config).map_err(json_error)?,
        ),
        (VOCAB, serde_json::to_vec(&vocab).map_err(json_error)?),
        (WEIGHTS, model.weights_safetensors()?),
    ])
}

/// The safetensors dtype of `T`.
fn dtype<T: Real>() -> Dtype {
    if std::mem::size_of::<T>() == 8 {
        Dtype::F64
    } else {
        Dtype::F32
    }
}

/// Little-endian bytes of `values` in `T`'s width.
fn bytes<T: Real>(values: &[T]) -> Vec<u8> {
    if std::mem::size_of::<T>() == 8 {
        values
            .iter()
            .flat_map(|x| x.to_f64().to_le_bytes())
            .collect()
    } else {
        values
            .iter()
            .flat_map(|x| x.to_f32().to_le_bytes())
            .collect()
    }
}

fn serialize(
    tensors: Vec<(String, Dtype, Vec<usize>, Vec<u8>)>,
    meta: HashMap<String, String>,
) -> Result<Vec<u8>> {
    let views: Vec<(String, safetensors::tensor::TensorView<'_>)> = tensors
        .iter()
        .map(|(name, dt, shape, data)| {
            safetensors::tensor::TensorView::new(*dt, shape.clone(), data)
                .map(|v| (name.clone(), v))
        })
        .collect::<std::result::Result<_, _>>()
        .map_err(|e| Error::Data(format!("cannot lay out a tensor: {e}")))?;
    safetensors::serialize(views, Some(meta))
        .map_err(|e| Error::Data(format!("cannot serialize the tensors: {e}")))
}

fn read_tensor<T: Real>(
    st: &SafeTensors<'_>,
    path: &Path,
    name: &str,
    shape: &[usize],
) -> Result<Vec<T>> {
    let t = st.tensor(name).map_err(|_| {
        Error::checkpoint(
            path,
            format!(
                "it has no tensor {name:?} (shape {shape:?}), which this architecture needs; \
                 the file was written for another architecture (see its config.json)"
            ),
        )
    })?;
    if t.shape() != shape {
        return Err(Error::checkpoint(
            path,
            format!(
                "tensor {name:?} has shape {:?}, this architecture needs {shape:?}; \
                 the file was written for another architecture (see its config.json)",
                t.shape()
            ),
        ));
    }
    let data = t.data();
    let values: Vec<T> = match t.dtype() {
        Dtype::F32 => data
            .chunks_exact(4)
            .map(|b| T::from_f32(f32::from_le_bytes([b[0], b[1], b[2], b[3]])))
            .collect(),
        Dtype::F64 => data
            .chunks_exact(8)
            .map(|b| {
                let mut a = [0u8; 8];
                a.copy_from_slice(b);
                T::from_f64(f64::from_le_bytes(a))
            })
            .collect(),
        other => {
            return Err(Error::checkpoint(
                path,
                format!("tensor {name:?} is {other:?}; only F32 and F64 are read"),
            ))
        }
    };
    if let Some(i) = values.iter().position(|x| !x.is_finite()) {
        return Err(Error::checkpoint(
            path,
            format!("tensor {name:?} holds a non-finite value at index {i}; the run that wrote it diverged"),
        ));
    }
    Ok(values)
}

fn check_no_extra(st: &SafeTensors<'_>, path: &Path, expected: &[String]) -> Result<()> {
    let mut extra: Vec<&str> = st
        .names()
        .into_iter()
        .filter(|n| !expected.iter().any(|e| e == n))
        .collect();
    extra.sort_unstable();
    if let Some(first) = extra.first() {
        return Err(Error::checkpoint(
            path,
            format!(
                "it has {} tensor(s) this architecture does not (first: {first:?}); \
                 the file was written for another architecture (see its config.json)",
                extra.len()
            ),
        ));
    }
    Ok(())
}

fn damaged(path: &Path, e: safetensors::SafeTensorError) -> Error {
    Error::checkpoint(
        path,
        format!("not a readable safetensors file ({e:?}); it is truncated or damaged"),
    )
}

fn read(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })
}

fn read_json<D: for<'de> Deserialize<'de>>(path: &Path) -> Result<D> {
    let bytes = read(path)?;
    serde_json::from_slice(&bytes).map_err(|e| Error::checkpoint(path, e.to_string()))
}

fn json_error(e: serde_json::Error) -> Error {
    Error::Data(format!("cannot write JSON: {e}"))
}

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |source| Error::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Writes `files` into the folder `dir` atomically (see the module docs).
fn write_folder(dir: &Path, files: Vec<(&str, Vec<u8>)>) -> Result<()> {
    let name = dir
        .file_name()
        .ok_or_else(|| Error::checkpoint(dir, "name a folder to write the checkpoint to"))?
        .to_string_lossy()
        .into_owned();
    let parent: PathBuf = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent).map_err(io_error(&parent))?;
    if dir.exists() && !is_checkpoint_or_empty(dir) {
        return Err(Error::checkpoint(
            dir,
            "it exists and is not a checkpoint folder; choose another path (nothing was replaced)",
        ));
    }
    let tmp = tempfile::Builder::new()
        .prefix(&format!(".{name}.tmp-"))
        .tempdir_in(&parent)
        .map_err(io_error(&parent))?;
    for (file, data) in &files {
        embedpos_base::write_atomic(&tmp.path().join(file), |w: &mut dyn Write| {
            w.write_all(data)
        })?;
    }
    let staged = tmp.keep();
    let swap = || -> std::io::Result<()> {
        if dir.exists() {
            let old = tempfile::Builder::new()
                .prefix(&format!(".{name}.old-"))
                .tempdir_in(&parent)?
                .keep();
            std::fs::remove_dir(&old)?;
            std::fs::rename(dir, &old)?;
            std::fs::rename(&staged, dir)?;
            std::fs::remove_dir_all(&old)?;
        } else {
            std::fs::rename(&staged, dir)?;
        }
        // make the renames durable
        std::fs::File::open(&parent)?.sync_all()
    };
    swap().map_err(|source| {
        let _ = std::fs::remove_dir_all(&staged);
        Error::Io {
            path: dir.to_path_buf(),
            source,
        }
    })
}

/// True when `dir` is empty or holds our `config.json`.
fn is_checkpoint_or_empty(dir: &Path) -> bool {
    if let Ok(mut entries) = std::fs::read_dir(dir) {
        if entries.next().is_none() {
            return true;
        }
    }
    read_json::<ConfigFile>(&dir.join(CONFIG)).is_ok_and(|c| c.format == FORMAT)
}
