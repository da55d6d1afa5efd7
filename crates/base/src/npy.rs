//! numpy's `.npy` format, version 1.0: the magic, a header dict padded so
//! the data starts at a multiple of 64 bytes, then the values. embedpos
//! writes little-endian `f32` (`<f4`) in C order, which `numpy.load` and
//! `torch.from_numpy` read with their shape.

use crate::atomic::write_atomic;
use crate::error::Result;
use std::io::Write;
use std::path::Path;

/// The magic, version and header for a `<f4` C-order array of `shape`.
pub fn header_f32(shape: &[usize]) -> Vec<u8> {
    let dims: Vec<String> = shape.iter().map(|d| d.to_string()).collect();
    let shape_str = match dims.len() {
        1 => format!("({},)", dims[0]),
        _ => format!("({})", dims.join(", ")),
    };
    let mut dict = format!("{{'descr': '<f4', 'fortran_order': False, 'shape': {shape_str}, }}");
    // magic (6) + version (2) + length (2) + dict + '\n': a multiple of 64
    let unpadded = 10 + dict.len() + 1;
    dict.extend(std::iter::repeat_n(
        ' ',
        unpadded.next_multiple_of(64) - unpadded,
    ));
    dict.push('\n');
    let mut out = b"\x93NUMPY\x01\x00".to_vec();
    out.extend_from_slice(&(dict.len() as u16).to_le_bytes());
    out.extend_from_slice(dict.as_bytes());
    out
}

/// Writes `values` as little-endian `f32`, in chunks.
pub fn write_f32_le(w: &mut dyn Write, values: &[f32]) -> std::io::Result<()> {
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

/// Writes `values` (C order, `shape.iter().product()` of them) to `path` as
/// an `.npy` file, atomically.
///
/// # Panics
/// If `values.len()` is not the product of `shape`.
pub fn save_f32(path: &Path, shape: &[usize], values: &[f32]) -> Result<()> {
    assert_eq!(
        shape.iter().product::<usize>(),
        values.len(),
        "npy::save_f32: {} values for shape {shape:?}",
        values.len()
    );
    write_atomic(path, |w| {
        w.write_all(&header_f32(shape))?;
        write_f32_le(w, values)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_is_aligned_and_well_formed() {
        for shape in [
            vec![3],
            vec![2, 3],
            vec![4, 5, 6],
            vec![8192, 4096],
            vec![3, 100],
        ] {
            let h = header_f32(&shape);
            assert_eq!(h.len() % 64, 0);
            assert_eq!(&h[..8], b"\x93NUMPY\x01\x00");
            assert_eq!(u16::from_le_bytes([h[8], h[9]]) as usize, h.len() - 10);
            assert_eq!(*h.last().unwrap(), b'\n');
        }
        let dict = String::from_utf8(header_f32(&[3, 100])[10..].to_vec()).unwrap();
        assert!(dict.starts_with("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 100), }"));
        assert!(String::from_utf8_lossy(&header_f32(&[3])).contains("'shape': (3,)"));
    }

    #[test]
    fn values_follow_the_header_in_c_order() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.npy");
        let values: Vec<f32> = (0..24).map(|x| x as f32 - 3.5).collect();
        save_f32(&p, &[2, 3, 4], &values).unwrap();
        let bytes = std::fs::read(&p).unwrap();
        assert_eq!(bytes.len(), 128 + 24 * 4);
        let back: Vec<f32> = bytes[128..]
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect();
        assert_eq!(back, values);
    }
}
