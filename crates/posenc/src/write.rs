//! Writing tensors as `.npy` (numpy's format, read by `numpy.load`) or `.csv`,
//! atomically: into a temporary file in the destination folder, renamed into
//! place only once complete, so an interrupted run never leaves half a file
//! where a good one was.

use std::path::Path;

use crate::error::{Error, Result};
use crate::tensor::Tensor;

/// Writes `t` to `path`, as `.npy` or `.csv` by the file's extension.
/// `axes` names the leading axes for the CSV header (see [`write_csv`]).
pub fn save(path: &Path, t: &Tensor, axes: &[&str]) -> Result<()> {
    match path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("npy") => write_npy(path, t),
        Some("csv") => write_csv(path, t, axes),
        _ => Err(Error::UnknownFormat { path: path.into() }),
    }
}

/// Writes `t` as a version 1.0 `.npy` file of little-endian `f32` (`<f4`), C
/// order, header padded to a multiple of 64 bytes.
pub fn write_npy(path: &Path, t: &Tensor) -> Result<()> {
    Ok(embedpos_base::npy::save_f32(path, t.shape(), t.data())?)
}

/// Writes `t` as CSV: a header line, then one line per run of the last axis,
/// led by its index along every other axis. `axes` names those leading axes in
/// the header (`position` for a table gives `position,0,1,...`; `head, query`
/// for a bias); when it does not have one name per leading axis they are
/// called `a0, a1, ...`. Values are printed with the shortest text that reads
/// back to the same `f32`; `-inf` is written as `-inf`.
pub fn write_csv(path: &Path, t: &Tensor, axes: &[&str]) -> Result<()> {
    let shape = t.shape();
    let lead = &shape[..shape.len().saturating_sub(1)];
    let names: Vec<String> = if axes.len() == lead.len() {
        axes.iter().map(|s| s.to_string()).collect()
    } else {
        (0..lead.len()).map(|i| format!("a{i}")).collect()
    };
    Ok(embedpos_base::write_atomic(path, |w| {
        let width = t.row_len();
        let mut header = names.join(",");
        for c in 0..width {
            if !header.is_empty() {
                header.push(',');
            }
            header.push_str(&c.to_string());
        }
        writeln!(w, "{header}")?;
        if t.is_empty() {
            return Ok(());
        }
        let mut index = vec![0usize; lead.len()];
        for row in t.rows() {
            let mut line = String::with_capacity(width * 12);
            for (k, i) in index.iter().enumerate() {
                if k > 0 {
                    line.push(',');
                }
                line.push_str(&i.to_string());
            }
            for (c, v) in row.iter().enumerate() {
                if c > 0 || !index.is_empty() {
                    line.push(',');
                }
                line.push_str(&v.to_string());
            }
            line.push('\n');
            w.write_all(line.as_bytes())?;
            // advance the multi-index, last axis fastest
            for k in (0..index.len()).rev() {
                index[k] += 1;
                if index[k] < lead[k] {
                    break;
                }
                index[k] = 0;
            }
        }
        Ok(())
    })?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_npy_and_csv_and_refuses_other_names() {
        let dir = tempfile::tempdir().unwrap();
        let t = Tensor::from_vec(&[2, 2], vec![1.0, -0.5, 0.25, f32::NEG_INFINITY]).unwrap();
        save(&dir.path().join("t.npy"), &t, &["position"]).unwrap();
        let bytes = std::fs::read(dir.path().join("t.npy")).unwrap();
        assert_eq!(bytes.len(), 128 + 16);
        assert_eq!(&bytes[128..132], &1.0f32.to_le_bytes());
        save(&dir.path().join("t.csv"), &t, &["position"]).unwrap();
        let text = std::fs::read_to_string(dir.path().join("t.csv")).unwrap();
        assert_eq!(text, "position,0,1\n0,1,-0.5\n1,0.25,-inf\n");
        assert!(matches!(
            save(&dir.path().join("t.txt"), &t, &[]),
            Err(Error::UnknownFormat { .. })
        ));
        assert!(save(&dir.path().join("no/such/dir/t.npy"), &t, &[]).is_err());
        // no temporary file is left behind
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 2, "{names:?}");
    }
}
