//! One module per subcommand: each defines its clap `Args` and a `run` function.

pub mod demo;
pub mod encode;
pub mod posenc;
pub mod text_opts;
pub mod tokenize;
pub mod vocab;
