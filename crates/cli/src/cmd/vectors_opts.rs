//! Loading word vectors for the query and evaluation subcommands.

use crate::{CliResult, Global};
use embedpos_embed::{Embeddings, Format, Neighbor};
use std::path::Path;

/// Parses a `--from`/`--to` format name (`text`, `bin`, `glove`, `epv`, `fasttext`, ...).
pub fn parse_format(s: &str) -> Result<Format, String> {
    s.parse::<Format>().map_err(|e| e.to_string())
}

/// Loads vectors (format detected when `format` is `None`) and says what was
/// loaded on stderr unless quiet.
pub fn load(path: &Path, format: Option<Format>, g: &Global) -> CliResult<Embeddings> {
    let emb = Embeddings::load(path, format)?;
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
            path.display(),
            emb.len(),
            emb.dim()
        );
    }
    Ok(emb)
}

/// Prints neighbours as `word<TAB>score` lines, or one JSON array.
pub fn print_neighbors(list: &[Neighbor], json: bool) -> CliResult {
    if json {
        println!("{}", serde_json::to_string(list)?);
    } else {
        for n in list {
            println!("{}\t{:.4}", n.word, n.similarity);
        }
    }
    Ok(())
}
