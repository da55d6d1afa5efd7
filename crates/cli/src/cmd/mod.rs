//! One module per subcommand, each with its clap `Args` and a `run` function,
//! the options several of them share (`text_opts`, `vectors_opts`,
//! `rope_scaling`), and how `--help` shows the defaults the libraries hold
//! (`defaults`).

pub mod analogy;
pub mod convert;
pub mod defaults;
pub mod demo;
pub mod encode;
pub mod eval;
pub mod posenc;
pub mod rope_scaling;
pub mod similar;
pub mod text_opts;
pub mod tokenize;
pub mod train;
pub mod vectors;
pub mod vectors_opts;
pub mod vocab;
