//! One module per subcommand, each with its clap `Args` and a `run` function,
//! the options several of them share (`text_opts`, `vectors_opts`,
//! `rope_scaling`), and how `--help` shows the defaults the libraries hold
//! (`defaults`).

/// A command-line twin of a library enum: the same choices as a clap
/// `ValueEnum` (a variant's doc comment is its help), converted both ways.
macro_rules! mirror_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $arg:ident <=> $lib:ident {
            $( $(#[$vmeta:meta])* $a:ident = $l:ident ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, clap::ValueEnum)]
        $vis enum $arg {
            $( $(#[$vmeta])* $a ),+
        }

        impl From<$arg> for $lib {
            fn from(v: $arg) -> Self {
                match v {
                    $( $arg::$a => $lib::$l ),+
                }
            }
        }

        impl From<$lib> for $arg {
            fn from(v: $lib) -> Self {
                match v {
                    $( $lib::$l => $arg::$a ),+
                }
            }
        }
    };
}

pub mod analogy;
pub mod bpe;
pub mod convert;
pub mod defaults;
pub mod demo;
pub mod encode;
pub mod eval;
pub mod model;
pub mod phrases;
pub mod posenc;
pub mod rope_scaling;
pub mod similar;
pub mod text_opts;
pub mod tokenize;
pub mod train;
pub mod vectors;
pub mod vectors_opts;
pub mod vocab;
