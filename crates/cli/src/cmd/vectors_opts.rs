//! The options of every command that reads or writes word vectors: one
//! value parser for format names, the vectors to read (`VECTORS --from`),
//! the format to write (`--format`, also spelled `--to`) and how lists of
//! neighbours are printed.

use crate::{CliResult, Global};
use embedpos_embed::{Embeddings, Format, Neighbor};
use std::path::{Path, PathBuf};

/// Parses a format name (`text`, `bin`, `glove`, `epv`, `npy`,
/// `safetensors`, `fasttext` and their other spellings, see
/// [`Format`]'s `FromStr`): the value parser of every format option.
pub fn parse_format(s: &str) -> Result<Format, String> {
    s.parse::<Format>().map_err(|e| e.to_string())
}

/// Word vectors to read: a file, and its format when detection is not wanted.
#[derive(Debug, Clone, clap::Args)]
pub struct VectorsIn {
    /// Word vectors: word2vec .bin or .txt/.vec, GloVe, .epv, or a fastText
    /// .bin model (the format is detected). A fastText model or an .epv with
    /// subword rows also gives vectors to words it never saw.
    #[arg(value_name = "VECTORS")]
    pub path: PathBuf,
    /// Format of VECTORS (text, bin, glove, epv, fasttext); default: detected
    /// from the content.
    #[arg(long, value_parser = parse_format)]
    pub from: Option<Format>,
}

impl VectorsIn {
    /// Loads the vectors and says what was loaded on stderr unless quiet.
    pub fn load(&self, g: &Global) -> CliResult<Embeddings> {
        let emb = Embeddings::load(&self.path, self.from)?;
        if !g.quiet {
            let subwords = match emb.subwords() {
                Some(s) => format!(
                    ", {} subword buckets (n-grams {}..={}): unseen words get vectors",
                    s.config().bucket,
                    s.config().minn,
                    s.config().maxn
                ),
                None => String::new(),
            };
            eprintln!(
                "{}: {} words, dimension {}{subwords}",
                self.path.display(),
                emb.len(),
                emb.dim()
            );
        }
        Ok(emb)
    }
}

/// The format of the vectors a command writes.
#[derive(Debug, Clone, clap::Args)]
pub struct OutputFormat {
    /// Output format: text, bin, glove, epv, npy, safetensors; default: from
    /// the output's extension (.txt/.vec, .bin, .glove, .epv, .npy,
    /// .safetensors).
    #[arg(long = "format", visible_alias = "to", value_name = "FORMAT", value_parser = parse_format)]
    pub format: Option<Format>,
}

impl OutputFormat {
    /// The format to write `output` in: the one named, or the one its
    /// extension implies.
    pub fn of(&self, output: &Path) -> CliResult<Format> {
        Ok(match self.format {
            Some(f) => f,
            None => Format::from_path(output)?,
        })
    }
}

/// How `similar` and `analogy` choose and print their answers.
#[derive(Debug, Clone, clap::Args)]
pub struct NeighborOpts {
    /// Only the first N words of the file (the most frequent) are candidates.
    #[arg(long)]
    pub restrict: Option<usize>,
    /// Print one JSON array of {id, word, similarity}.
    #[arg(long)]
    pub json: bool,
}

impl NeighborOpts {
    /// Prints neighbours as `word<TAB>score` lines, or one JSON array.
    pub fn print(&self, list: &[Neighbor]) -> CliResult {
        if self.json {
            println!("{}", serde_json::to_string(list)?);
        } else {
            for n in list {
                println!("{}\t{:.4}", n.word, n.similarity);
            }
        }
        Ok(())
    }
}
