//! GPT-2's byte-to-character mapping (`bytes_to_unicode` in OpenAI's
//! `encoder.py`, the `ByteLevel` pre-tokenizer of HF tokenizers).
//!
//! Byte-level vocabularies are stored as strings (`vocab.json`, the
//! `tokenizer.json` vocabulary and merges) in which every byte is one visible
//! character: the 188 printable bytes `!`..`~`, `¡`..`¬` and `®`..`ÿ` stand
//! for themselves, and the other 68 (control bytes, space, DEL, NBSP, soft
//! hyphen) are shifted to `U+0100 + n`, `n` counting them in byte order. So a
//! space is `Ġ` (U+0120) and a line feed `Ċ` (U+010A).

/// True for the bytes that GPT-2 maps to the character of the same number.
const fn is_printable(b: u8) -> bool {
    matches!(b, b'!'..=b'~' | 0xA1..=0xAC | 0xAE..=0xFF)
}

/// The character of each byte.
const BYTE_CHARS: [char; 256] = {
    let mut table = ['\0'; 256];
    let mut n = 0u32;
    let mut b = 0usize;
    while b < 256 {
        table[b] = if is_printable(b as u8) {
            b as u8 as char
        } else {
            // 256 + n is below 0x144: always a valid scalar value.
            match char::from_u32(256 + n) {
                Some(c) => c,
                None => '\0',
            }
        };
        if !is_printable(b as u8) {
            n += 1;
        }
        b += 1;
    }
    table
};

/// The byte of each shifted character `U+0100 + n`, `n < 68`.
const SHIFTED_BYTES: [u8; 68] = {
    let mut table = [0u8; 68];
    let mut n = 0usize;
    let mut b = 0usize;
    while b < 256 {
        if !is_printable(b as u8) {
            table[n] = b as u8;
            n += 1;
        }
        b += 1;
    }
    table
};

/// The character that stands for byte `b`.
///
/// ```
/// use embedpos_tokenize::bpe::{byte_to_char, char_to_byte};
/// assert_eq!(byte_to_char(b' '), 'Ġ');
/// assert_eq!(byte_to_char(b'a'), 'a');
/// assert_eq!(char_to_byte('Ċ'), Some(b'\n'));
/// ```
#[inline]
pub fn byte_to_char(b: u8) -> char {
    BYTE_CHARS[b as usize]
}

/// The byte that character `c` stands for, `None` for a character outside the
/// mapping.
#[inline]
pub fn char_to_byte(c: char) -> Option<u8> {
    let u = c as u32;
    if u < 256 {
        let b = u as u8;
        is_printable(b).then_some(b)
    } else if u < 256 + 68 {
        Some(SHIFTED_BYTES[(u - 256) as usize])
    } else {
        None
    }
}

/// Appends the mapped form of `bytes` to `out` (`" the"` becomes `"Ġthe"`).
pub fn push_mapped(bytes: &[u8], out: &mut String) {
    out.extend(bytes.iter().map(|&b| byte_to_char(b)));
}

/// The mapped form of `bytes`.
pub fn bytes_to_mapped(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    push_mapped(bytes, &mut s);
    s
}

/// The bytes a mapped string stands for; `Err` with the first character
/// outside the mapping.
pub fn mapped_to_bytes(s: &str) -> std::result::Result<Vec<u8>, char> {
    s.chars().map(|c| char_to_byte(c).ok_or(c)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mapping_is_gpt2s() {
        // From OpenAI's encoder.py: bs = printable ranges, then 256 + n.
        let mut bs: Vec<u32> = (b'!' as u32..=b'~' as u32)
            .chain(0xA1..=0xAC)
            .chain(0xAE..=0xFF)
            .collect();
        let mut cs = bs.clone();
        let mut n = 0;
        for b in 0..256u32 {
            if !bs.contains(&b) {
                bs.push(b);
                cs.push(256 + n);
                n += 1;
            }
        }
        for (b, c) in bs.iter().zip(&cs) {
            assert_eq!(byte_to_char(*b as u8) as u32, *c);
            assert_eq!(char_to_byte(char::from_u32(*c).unwrap()), Some(*b as u8));
        }
        assert_eq!(char_to_byte('\u{144}'), None);
        assert_eq!(char_to_byte(' '), None);
        assert_eq!(bytes_to_mapped(b" the\n"), "ĠtheĊ");
        assert_eq!(mapped_to_bytes("Ġthe").unwrap(), b" the");
        assert_eq!(mapped_to_bytes("a b"), Err(' '));
    }

    #[test]
    fn every_byte_round_trips() {
        for b in 0..=255u8 {
            assert_eq!(char_to_byte(byte_to_char(b)), Some(b));
        }
    }
}
