//! Atomic output: a temporary file in the target's folder, renamed into place.

use crate::error::{Error, Result};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// Writes `path` through `fill` so that readers see either the old file or
/// the complete new one: the data goes to a hidden temporary file in the same
/// folder, is flushed and synced, then renamed over `path`. On any error the
/// temporary file is removed and `path` is untouched. The new file gets the
/// permissions any new file gets (0666 less the umask), not the private mode
/// of a temporary file.
pub fn write_atomic(
    path: &Path,
    fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<()> {
    let io = |source| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    let dir: PathBuf = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if path.file_name().is_none() {
        return Err(io(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "not a file path; name a file to write",
        )));
    }
    let mut builder = tempfile::Builder::new();
    builder.prefix(".embedpos-").suffix(".tmp");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let mut tmp = builder.tempfile_in(&dir).map_err(io)?;
    {
        let mut w = BufWriter::with_capacity(1 << 20, tmp.as_file_mut());
        fill(&mut w).map_err(io)?;
        w.flush().map_err(io)?;
    }
    tmp.as_file().sync_all().map_err(io)?;
    tmp.persist(path).map_err(|e| io(e.error))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failure_keeps_old_file_and_leaves_no_temp() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("out.txt");
        std::fs::write(&p, "old").unwrap();
        let r = write_atomic(&p, |w| {
            w.write_all(b"partial")?;
            Err(std::io::Error::other("interrupted"))
        });
        assert!(r.is_err());
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "old");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        write_atomic(&p, |w| w.write_all(b"new")).unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "new");
        let e = write_atomic(&dir.path().join("no/such/dir/x"), |_| Ok(())).unwrap_err();
        assert!(e.to_string().contains("no/such/dir"), "{e}");
    }

    #[cfg(unix)]
    #[test]
    fn output_gets_ordinary_file_permissions() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.bin");
        write_atomic(&path, |w| w.write_all(b"x")).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        // The mode a plain new file gets (0666 less the umask).
        let probe = dir.path().join("probe");
        std::fs::File::create(&probe).unwrap();
        let plain = std::fs::metadata(&probe).unwrap().permissions().mode() & 0o777;
        assert_eq!(
            mode, plain,
            "atomic output {mode:o} vs a plain new file {plain:o}"
        );
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
    }
}
