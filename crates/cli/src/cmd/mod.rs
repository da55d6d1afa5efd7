//! One module per subcommand: each defines its clap `Args` and a `run` function.

pub mod analogy;
pub mod convert;
pub mod demo;
pub mod encode;
pub mod eval;
pub mod posenc;
pub mod rope_scaling;
pub mod similar;
pub mod text_opts;
pub mod tokenize;
pub mod train;
pub mod train_fasttext;
pub mod train_glove;
pub mod vectors;
pub mod vectors_opts;
pub mod vocab;
