//! Writing tensors as `.npy` (numpy's format, read by `numpy.load`) or `.csv`,
//! atomically: into a temporary file in the destination folder, renamed into
//! place only once complete, so an interrupted run never leaves half a file
//! where a good one was.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

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
    atomic_write(path, |w| {
        w.write_all(&npy_header(t.shape()))?;
        for chunk in t.data().chunks(1 << 14) {
            let mut buf = Vec::with_capacity(chunk.len() * 4);
            for v in chunk {
                buf.extend_from_slice(&v.to_le_bytes());
            }
            w.write_all(&buf)?;
        }
        Ok(())
    })
}

/// The `.npy` magic, version and header for an `f32` array of `shape`.
pub fn npy_header(shape: &[usize]) -> Vec<u8> {
    let dims: Vec<String> = shape.iter().map(|d| d.to_string()).collect();
    let shape_str = match dims.len() {
        1 => format!("({},)", dims[0]),
        _ => format!("({})", dims.join(", ")),
    };
    let mut dict = format!("{{'descr': '<f4', 'fortran_order': False, 'shape': {shape_str}, }}");
    // magic (6) + version (2) + length (2) + dict + '\n' must be a multiple of 64
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
    atomic_write(path, |w| {
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
    })
}

/// Runs `body` on a buffered temporary file next to `path`, then renames it
/// into place.
pub(crate) fn atomic_write(
    path: &Path,
    body: impl FnOnce(&mut BufWriter<&mut std::fs::File>) -> std::io::Result<()>,
) -> Result<()> {
    let io = |source| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    let dir: PathBuf = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut builder = tempfile::Builder::new();
    builder.prefix(".embedpos-").suffix(".tmp");
    // A temporary file is private (0600) by default; the output should get
    // the permissions any new file gets (0666 less the umask).
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let mut tmp = builder.tempfile_in(&dir).map_err(io)?;
    {
        let mut w = BufWriter::with_capacity(1 << 20, tmp.as_file_mut());
        body(&mut w).map_err(io)?;
        w.flush().map_err(io)?;
    }
    tmp.as_file().sync_all().map_err(io)?;
    tmp.persist(path).map_err(|e| io(e.error))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn output_gets_ordinary_file_permissions() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.bin");
        atomic_write(&path, |w| w.write_all(b"x")).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        // 0666 less the umask: at least readable by the group/others unless
        // the umask forbids it, never the 0600 of a private temporary file
        // when the umask is the usual 022 or 002.
        let umask = {
            // The mode a plain new file gets (0666 less the umask).
            let probe = dir.path().join("probe");
            std::fs::File::create(&probe).unwrap();
            std::fs::metadata(&probe).unwrap().permissions().mode() & 0o777
        };
        assert_eq!(
            mode, umask,
            "atomic output {mode:o} vs a plain new file {umask:o}"
        );
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(left.len(), 2, "no temporary file is left behind");
    }

    #[test]
    fn npy_header_is_aligned_and_well_formed() {
        for shape in [vec![3], vec![2, 3], vec![4, 5, 6], vec![8192, 4096]] {
            let h = npy_header(&shape);
            assert_eq!(h.len() % 64, 0);
            assert_eq!(&h[..8], b"\x93NUMPY\x01\x00");
            assert_eq!(u16::from_le_bytes([h[8], h[9]]) as usize, h.len() - 10);
            assert_eq!(*h.last().unwrap(), b'\n');
        }
        let h = npy_header(&[3]);
        assert!(String::from_utf8_lossy(&h).contains("'shape': (3,)"));
    }

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
