//! Writing arrays as `.npy` for numpy and PyTorch users, atomically (a
//! temporary file in the destination folder, renamed into place once
//! complete), through `embedpos_base::npy`.

use std::path::Path;

use ndarray::{ArrayBase, Data, Dimension};

use crate::error::Result;

/// Writes `a` to `path` as a version 1.0 `.npy` of little-endian `f32` in C
/// order (`numpy.load` reads it with its shape).
pub fn save_npy<S: Data<Elem = f32>, D: Dimension>(path: &Path, a: &ArrayBase<S, D>) -> Result<()> {
    match a.as_slice() {
        Some(values) => embedpos_base::npy::save_f32(path, a.shape(), values)?,
        None => {
            let values: Vec<f32> = a.iter().copied().collect();
            embedpos_base::npy::save_f32(path, a.shape(), &values)?
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array3;

    #[test]
    fn writes_header_and_values_in_c_order() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.npy");
        let a = Array3::from_shape_fn((2, 3, 4), |(i, j, k)| (i * 12 + j * 4 + k) as f32);
        save_npy(&p, &a).unwrap();
        let bytes = std::fs::read(&p).unwrap();
        let header = String::from_utf8_lossy(&bytes[..128]);
        assert!(header.contains("'shape': (2, 3, 4)"), "{header}");
        let values: Vec<f32> = bytes[128..]
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect();
        assert_eq!(values, (0..24).map(|x| x as f32).collect::<Vec<_>>());
        assert!(save_npy(&dir.path().join("no/such/dir/x.npy"), &a).is_err());
    }
}
