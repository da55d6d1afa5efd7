//! numpy `.npy` export (format version 1.0): the matrix as a C-order
//! `<f4` array of shape `(N, D)`, rows in vocabulary order. The words are not
//! stored; keep them in another format (or `embedpos vocab`) alongside.

use crate::embeddings::Embeddings;
use crate::error::Result;
use embedpos_base::npy;
use std::path::Path;

pub(crate) fn write(emb: &Embeddings, path: &Path) -> Result<()> {
    Ok(npy::save_f32(path, &[emb.len(), emb.dim()], emb.matrix())?)
}
