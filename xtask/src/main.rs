//! `cargo xtask`: data preparation, fixture regeneration and side-by-side
//! benchmarks for embedpos. Run from anywhere inside the workspace.

#![warn(clippy::undocumented_unsafe_blocks)]

mod bench;
mod corpus;
mod fixtures;
mod util;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Debug, Parser)]
#[command(
    name = "cargo xtask",
    about = "embedpos data preparation, fixtures and benchmarks"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Regenerate everything under tests/fixtures (deterministic).
    Fixtures(fixtures::Args),
    /// Turn raw text into the training format: one normalised paragraph a line.
    Corpus(corpus::Args),
    /// Run a benchmark against the reference tools, side by side.
    Bench(bench::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Fixtures(a) => fixtures::run(a),
        Command::Corpus(a) => corpus::run(a),
        Command::Bench(a) => bench::run(a),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
