//! Byte-level BPE: GPT-2's and tiktoken's encodings, HF `tokenizer.json`
//! BPE models, and a trainer.
//!
//! * [`Bpe`] encodes text to ids and back: special tokens first, then the
//!   [`Pattern`] cuts text into pieces, then each piece's bytes are merged
//!   (tiktoken's `byte_pair_merge`). It reads tiktoken rank files
//!   ([`Bpe::r50k_base`], [`Bpe::cl100k_base`], [`Bpe::from_tiktoken`]), HF
//!   `tokenizer.json` ([`Bpe::from_tokenizer_json`]) and GPT-2's
//!   `vocab.json` + `merges.txt` ([`Bpe::from_gpt2_files`]), and writes
//!   `tokenizer.json`.
//! * [`BpeTrainer`] learns merges from a corpus as HF tokenizers'
//!   `BpeTrainer` does.
//! * The byte mapping ([`byte_to_char`], [`char_to_byte`]) writes tokens as
//!   GPT-2 does in its files (`Ġthe`); [`Bpe::for_each_token_str`] gives
//!   those strings, the words an embedding trainer can learn.
//!
//! ```
//! use embedpos_tokenize::bpe::{Bpe, BpeTrainConfig, BpeTrainer};
//! use embedpos_tokenize::CorpusReader;
//!
//! let text = "the cat sat on the mat\nthe dog sat on the log\n".repeat(20);
//! let mut reader = CorpusReader::from_reader("mem", std::io::Cursor::new(text));
//! let cfg = BpeTrainConfig { vocab_size: 270, special_tokens: vec!["<|endoftext|>".into()], ..Default::default() };
//! let (bpe, _stats) = BpeTrainer::new(cfg).train(&mut reader, &mut ())?;
//! let ids = bpe.encode("the cat<|endoftext|>");
//! assert_eq!(bpe.decode(&ids)?, b"the cat<|endoftext|>");
//! assert_eq!(ids.last(), Some(&0)); // special tokens come first, as in HF
//! # Ok::<(), embedpos_tokenize::Error>(())
//! ```

mod bytemap;
mod hf;
mod merge;
mod model;
mod pattern;
mod specials;
mod stream;
mod tiktoken;
mod train;
mod unicode;

pub use bytemap::{byte_to_char, bytes_to_mapped, char_to_byte, mapped_to_bytes, push_mapped};
pub use model::{AddedToken, Bpe, BpeScratch};
pub use pattern::{Pattern, Splitter, CL100K_PATTERN, GPT2_PATTERN, O200K_PATTERN};
pub use stream::{EncodeStats, IdFormat};
pub use tiktoken::read_tiktoken_ranks;
pub use train::{
    BpeObserver, BpeTrainConfig, BpeTrainStats, BpeTrainer, CountProgress, MergeProgress,
};
