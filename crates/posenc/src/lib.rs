//! embedpos crate.
