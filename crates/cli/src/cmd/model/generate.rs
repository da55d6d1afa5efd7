//! `embedpos model generate`: continue a prompt with a trained language model.

use std::path::PathBuf;

use embedpos_input::special::{EOS, UNK};
use embedpos_model::{load_model, Model, Sampling};
use embedpos_tokenize::Scratch;

use crate::{CliResult, Global};

/// Arguments of `embedpos model generate`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Checkpoint folder of a language model.
    model: PathBuf,
    /// The text to continue (tokenized as the model was trained); none: a
    /// new document.
    prompt: Option<String>,
    /// Tokens to generate at most.
    #[arg(long, default_value_t = 50)]
    tokens: usize,
    /// Sampling temperature; 0 always takes the most likely token.
    #[arg(long, default_value_t = Sampling::default().temperature)]
    temperature: f64,
    /// Sample among the k most likely tokens; 0: all.
    #[arg(long, default_value_t = Sampling::default().top_k.unwrap_or(0))]
    top_k: usize,
    /// Seed of the sampling.
    #[arg(long, default_value_t = Sampling::default().seed)]
    seed: u64,
    /// Go on past [EOS] (the end of a document).
    #[arg(long)]
    no_stop: bool,
}

/// Runs `embedpos model generate`: prints the prompt's tokens and the new
/// ones, space-separated, on one line.
pub fn run(args: Args, g: &Global) -> CliResult {
    let model: Model = load_model(&args.model)?;
    let vocab = model.vocab();
    let mut prompt = Vec::new();
    let mut unknown = Vec::new();
    if let Some(text) = &args.prompt {
        let mut scratch = Scratch::default();
        model
            .config()
            .tokenizer
            .for_each_token(text, &mut scratch, |t| {
                let id = vocab.id(t).unwrap_or(UNK);
                if id == UNK {
                    unknown.push(t.to_string());
                }
                prompt.push(id);
            });
    }
    if !unknown.is_empty() && !g.quiet {
        eprintln!("not in the vocabulary, read as [UNK]: {unknown:?}");
    }
    let sampling = Sampling {
        temperature: args.temperature,
        top_k: (args.top_k > 0).then_some(args.top_k),
        seed: args.seed,
    };
    let new = model.generate(&prompt, args.tokens, &sampling, !args.no_stop)?;
    let words: Vec<&str> = prompt
        .iter()
        .chain(&new)
        .filter(|&&id| id != EOS || args.no_stop)
        .map(|&id| vocab.token(id))
        .collect();
    println!("{}", words.join(" "));
    Ok(())
}
