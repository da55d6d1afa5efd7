//! numpy `.npy` export (format version 1.0): the matrix as a C-order
//! `<f4` array of shape `(N, D)`, rows in vocabulary order. The words are not
//! stored; keep them in another format (or `embedpos vocab`) alongside.

use super::common;
use crate::embeddings::Embeddings;
use crate::error::Result;
use std::io::Write;
use std::path::Path;

/// The `.npy` header for a `<f4` C-order array of shape `(rows, dim)`:
/// magic, version 1.0, length, and the dict padded so the data starts at a
/// multiple of 64 bytes, as numpy writes it.
pub(crate) fn header(rows: usize, dim: usize) -> Vec<u8> {
    let dict = format!("{{'descr': '<f4', 'fortran_order': False, 'shape': ({rows}, {dim}), }}");
    let unpadded = 10 + dict.len() + 1;
    let total = unpadded.div_ceil(64) * 64;
    let mut h = b"\x93NUMPY\x01\x00".to_vec();
    h.extend_from_slice(&((total - 10) as u16).to_le_bytes());
    h.extend_from_slice(dict.as_bytes());
    h.resize(total - 1, b' ');
    h.push(b'\n');
    h
}

pub(crate) fn write(emb: &Embeddings, path: &Path) -> Result<()> {
    common::write_atomic(path, |w| {
        w.write_all(&header(emb.len(), emb.dim()))?;
        write_le_matrix(w, emb.matrix())
    })
}

/// Writes `values` as little-endian `f32`.
pub(crate) fn write_le_matrix(w: &mut dyn Write, values: &[f32]) -> std::io::Result<()> {
    let mut buf = Vec::with_capacity(1 << 16);
    for chunk in values.chunks(1 << 14) {
        buf.clear();
        for v in chunk {
            buf.extend_from_slice(&v.to_le_bytes());
        }
        w.write_all(&buf)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_is_numpy_v1_and_64_aligned() {
        let h = header(3, 100);
        assert_eq!(h.len() % 64, 0);
        assert_eq!(&h[..8], b"\x93NUMPY\x01\x00");
        assert_eq!(u16::from_le_bytes([h[8], h[9]]) as usize, h.len() - 10);
        let dict = std::str::from_utf8(&h[10..]).unwrap();
        assert!(dict.starts_with("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 100), }"));
        assert!(dict.ends_with(" \n"));
    }
}
