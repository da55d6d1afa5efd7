//! Allocation checks: refuse an array that cannot be allocated with a clear
//! error, before trying.

use crate::error::{Error, Result};

/// Checks that an `f32` array of `shape` can be allocated, and returns its
/// number of values.
///
/// The limit is the address space (`isize::MAX` bytes) and, on Linux, the
/// memory the kernel reports as available (`MemAvailable` in `/proc/meminfo`):
/// with overcommit an allocation larger than that succeeds and the process is
/// killed later while filling it, so refusing up front is the only way to give
/// a clear error instead. `what` names the array in the error.
pub fn check_fits(what: &str, shape: &[usize]) -> Result<usize> {
    let elements: u128 = shape.iter().map(|&n| n as u128).product();
    let bytes = elements.saturating_mul(4);
    let too_large = |limit: u128, reason| Error::TooLarge {
        what: what.to_string(),
        shape: shape.to_vec(),
        bytes,
        limit,
        reason,
    };
    if bytes > isize::MAX as u128 {
        return Err(too_large(isize::MAX as u128, "this machine can address"));
    }
    if let Some(avail) = available_memory() {
        if bytes > avail as u128 {
            return Err(too_large(avail as u128, "of memory available now"));
        }
    }
    Ok(elements as usize)
}

/// Available memory in bytes, where the platform tells (Linux:
/// `MemAvailable`).
pub fn available_memory() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    kb.checked_mul(1024)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absurd_sizes_are_refused() {
        assert_eq!(check_fits("t", &[3, 4]).unwrap(), 12);
        assert!(matches!(
            check_fits("t", &[usize::MAX, usize::MAX]),
            Err(Error::TooLarge { .. })
        ));
        let e = check_fits("table", &[1 << 40, 1 << 20]).unwrap_err();
        assert!(e.to_string().starts_with("table of shape"), "{e}");
    }
}
