//! The primitives every embedpos crate shares, so that each exists once:
//!
//! * [`write_atomic`]: every output file is written to a temporary file in
//!   its folder and renamed into place only once complete, so an interrupted
//!   run never leaves half a file where a good one was.
//! * [`npy`]: numpy's `.npy` format (version 1.0, little-endian `f32`, C order).
//! * [`codec`]: the native binary codec (bincode 2.x) of `.epv` files,
//!   vocabularies and co-occurrence files, with decoding limits tied to the
//!   input's size.
//! * [`check_fits`]: refuse an allocation that cannot succeed before making it.
//! * [`SplitMix64`]: the seeded generator whose stream never changes between
//!   versions, used wherever a result must be reproducible from a seed.
//!
//! It is a leaf: it depends on no other embedpos crate, and every crate that
//! writes files depends on it (see `docs/ARCHITECTURE.md`).
//!
//! ```
//! use embedpos_base::{npy, write_atomic};
//! let dir = tempfile::tempdir().unwrap();
//! let path = dir.path().join("x.npy");
//! npy::save_f32(&path, &[2, 2], &[1.0, 2.0, 3.0, 4.0])?;
//! assert_eq!(std::fs::metadata(&path).unwrap().len(), 128 + 16);
//! write_atomic(&dir.path().join("note.txt"), |w| w.write_all(b"done"))?;
//! # Ok::<(), embedpos_base::Error>(())
//! ```

#![warn(missing_docs)]
#![forbid(unsafe_code)]

mod atomic;
pub mod codec;
mod error;
pub mod npy;
mod rng;
mod size;

pub use atomic::write_atomic;
pub use error::{Error, Result};
pub use rng::{splitmix64, SplitMix64};
pub use size::{available_memory, check_fits};
