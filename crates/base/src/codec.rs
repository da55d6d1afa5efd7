//! The native binary codec: bincode 2.x (serde mode), kept behind this one
//! module so it can be replaced without touching the formats that use it.
//!
//! Decoding limits the bytes a value may claim to a small multiple of the
//! input's length, so a corrupt length prefix cannot trigger a huge
//! allocation.

use crate::error::{Error, Result};
use bincode::config;
use serde::de::DeserializeOwned;
use serde::Serialize;

fn base() -> config::Configuration<config::LittleEndian, config::Varint> {
    config::standard()
        .with_little_endian()
        .with_variable_int_encoding()
}

/// Encodes `value`.
pub fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>> {
    bincode::serde::encode_to_vec(value, base()).map_err(|e| Error::Codec(e.to_string()))
}

/// Decodes a value from the whole of `bytes` (trailing bytes are an error).
pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T> {
    let (v, used) = decode_prefix(bytes)?;
    if used != bytes.len() {
        return Err(Error::Codec(format!(
            "{} unexpected bytes after the value at byte offset {used}",
            bytes.len() - used
        )));
    }
    Ok(v)
}

/// Decodes a value from the start of `bytes`; returns it and the bytes used.
pub fn decode_prefix<T: DeserializeOwned>(bytes: &[u8]) -> Result<(T, usize)> {
    // Containers may claim at most this many bytes in total: a few times the
    // input, since a decoded value is rarely more than 8x its varint encoding.
    let n = bytes.len();
    let r = if n <= 0x1_0000 {
        with_limit::<T, 0x8_0000>(bytes)
    } else if n <= 0x100_0000 {
        with_limit::<T, 0x800_0000>(bytes)
    } else if n <= 0x1000_0000 {
        with_limit::<T, 0x8000_0000>(bytes)
    } else {
        with_limit::<T, { usize::MAX / 2 }>(bytes)
    };
    r.map_err(|e| {
        Error::Codec(format!(
            "not a valid embedpos native file or it is corrupt ({e})"
        ))
    })
}

fn with_limit<T: DeserializeOwned, const N: usize>(
    bytes: &[u8],
) -> std::result::Result<(T, usize), bincode::error::DecodeError> {
    bincode::serde::decode_from_slice(bytes, base().with_limit::<N>())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_huge_claim() {
        let v: Vec<String> = vec!["a".into(), "bc".into()];
        let b = encode(&v).unwrap();
        assert_eq!(decode::<Vec<String>>(&b).unwrap(), v);
        // A length prefix claiming 2^40 strings in 9 bytes is refused.
        let mut evil = vec![253u8];
        evil.extend_from_slice(&(1u64 << 40).to_le_bytes());
        assert!(decode::<Vec<String>>(&evil).is_err());
        let mut trailing = b.clone();
        trailing.push(0);
        assert!(decode::<Vec<String>>(&trailing).is_err());
    }
}
