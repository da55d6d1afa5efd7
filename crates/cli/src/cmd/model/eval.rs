//! `embedpos model eval`: the loss of a trained model on a corpus.

use std::path::PathBuf;

use embedpos_model::{
    evaluate, load_model, read_examples, read_token_stream, Dataset, Head, Model,
};

use crate::{CliResult, Global};

/// Arguments of `embedpos model eval`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Checkpoint folder (written by `embedpos model train`).
    model: PathBuf,
    /// Text files: one document a line (language model) or LABEL<TAB>TEXT
    /// lines (classifier).
    #[arg(required = true)]
    corpus: Vec<PathBuf>,
    /// Sequences per batch.
    #[arg(long, default_value_t = 16)]
    batch_size: usize,
    /// Score at most this many batches (default: the whole corpus).
    #[arg(long)]
    max_batches: Option<usize>,
}

/// Runs `embedpos model eval`: prints the mean loss and the perplexity
/// (language model) or the accuracy (classifier).
pub fn run(args: Args, _g: &Global) -> CliResult {
    let model: Model = load_model(&args.model)?;
    let tokenizer = model.config().tokenizer.clone();
    let data = match model.config().head {
        Head::Lm { .. } => {
            Dataset::Tokens(read_token_stream(&args.corpus, &tokenizer, model.vocab())?.0)
        }
        Head::Classify { .. } => {
            let labels = &model.config().labels;
            let named = (!labels.is_empty()).then_some(labels.as_slice());
            Dataset::Examples(read_examples(&args.corpus, &tokenizer, model.vocab(), named)?.0)
        }
    };
    let report = evaluate(
        &model,
        &data,
        args.batch_size,
        model.config().context(),
        args.max_batches
            .unwrap_or(usize::MAX / args.batch_size.max(1)),
    )?;
    match report.accuracy {
        Some(a) => println!(
            "loss {:.4}  accuracy {:.4}  ({} sequences)",
            report.loss, a, report.targets
        ),
        None => println!(
            "loss {:.4}  perplexity {:.2}  ({} tokens)",
            report.loss,
            report.loss.exp(),
            report.targets
        ),
    }
    Ok(())
}
