//! safetensors export: one `F32` tensor named `embeddings` of shape
//! `[N, D]`, rows in vocabulary order (load with
//! `safetensors.torch.load_file(path)["embeddings"]`). The words are not
//! stored; keep them in another format alongside.

use super::common;
use crate::embeddings::Embeddings;
use crate::error::Result;
use embedpos_base::npy::write_f32_le as write_le_matrix;
use std::path::Path;

/// The name of the one tensor.
pub(crate) const TENSOR: &str = "embeddings";

/// The length-prefixed JSON header, padded with spaces to a multiple of 8
/// bytes as the reference writer does.
pub(crate) fn header(rows: usize, dim: usize) -> Vec<u8> {
    let bytes = rows as u128 * dim as u128 * 4;
    let mut json = format!(
        "{{\"__metadata__\":{{\"format\":\"pt\",\"writer\":\"embedpos\"}},\"{TENSOR}\":{{\"dtype\":\"F32\",\
         \"shape\":[{rows},{dim}],\"data_offsets\":[0,{bytes}]}}}}"
    );
    while json.len() % 8 != 0 {
        json.push(' ');
    }
    let mut h = (json.len() as u64).to_le_bytes().to_vec();
    h.extend_from_slice(json.as_bytes());
    h
}

pub(crate) fn write(emb: &Embeddings, path: &Path) -> Result<()> {
    common::write_atomic(path, |w| {
        w.write_all(&header(emb.len(), emb.dim()))?;
        write_le_matrix(w, emb.matrix())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_is_length_prefixed_aligned_json() {
        let h = header(2, 3);
        let n = u64::from_le_bytes(h[..8].try_into().unwrap()) as usize;
        assert_eq!(n + 8, h.len());
        assert_eq!(n % 8, 0);
        let json = std::str::from_utf8(&h[8..]).unwrap().trim_end();
        assert!(json.contains(
            "\"embeddings\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]}"
        ));
    }
}
