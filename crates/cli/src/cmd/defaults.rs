//! Defaults as `--help` shows them.
//!
//! An option with a default is an `Option` with no clap default; the
//! subcommand fills it from the library's configuration (its `Default`), so
//! each default is written once, in the library. `--help` reads it from there
//! too: `#[command(mut_args(show_defaults(...)))]` appends it to the option's
//! help.

use clap::{Arg, ValueEnum};

/// The default of each option, as `--help` shows it: option id, value.
pub type Shown = Vec<(&'static str, String)>;

/// What `#[command(mut_args(...))]` applies to a command's options: the
/// help of every option named in `shown` ends with `[default: value]`, as
/// clap writes the defaults it knows.
pub fn show_defaults(shown: Shown) -> impl FnMut(Arg) -> Arg {
    move |arg| {
        let Some((_, value)) = shown.iter().find(|(id, _)| arg.get_id() == *id) else {
            return arg;
        };
        let with_default = |help: &clap::builder::StyledStr| format!("{help} [default: {value}]");
        let help = arg.get_help().map(with_default);
        let long_help = arg.get_long_help().map(with_default);
        let arg = match help {
            Some(h) => arg.help(h),
            None => arg,
        };
        match long_help {
            Some(h) => arg.long_help(h),
            None => arg,
        }
    }
}

/// `shown`, where `other` (the defaults that `label` selects) differs
/// written as `value; label: other value`.
pub fn or_else(shown: Shown, other: &Shown, label: &str) -> Shown {
    shown
        .into_iter()
        .map(|(id, value)| match other.iter().find(|(o, _)| *o == id) {
            Some((_, alt)) if *alt != value => (id, format!("{value}; {label}: {alt}")),
            _ => (id, value),
        })
        .collect()
}

/// The name the command line gives `value` of an enumerated option.
pub fn value_name(value: impl ValueEnum) -> String {
    value
        .to_possible_value()
        .map(|v| v.get_name().to_string())
        .unwrap_or_default()
}

#[cfg(test)]
pub mod tests {
    //! What the subcommands' tests share: parsing a command line, and the
    //! help of an option.

    use super::Shown;
    use crate::{Cli, Command};
    use clap::{CommandFactory, Parser};

    /// The subcommand `embedpos ARGS` runs.
    pub fn parse(args: &[&str]) -> Command {
        let argv = ["embedpos"].iter().chain(args);
        Cli::try_parse_from(argv)
            .unwrap_or_else(|e| panic!("{args:?}: {e}"))
            .command
    }

    /// The help of option `id` of the subcommand at `path` (`["eval",
    /// "analogy"]`).
    pub fn help(path: &[&str], id: &str) -> String {
        let mut cmd = Cli::command();
        let mut sub = &mut cmd;
        for name in path {
            sub = sub
                .find_subcommand_mut(name)
                .unwrap_or_else(|| panic!("no subcommand {path:?}"));
        }
        sub.build();
        let arg = sub.get_arguments().find(|a| a.get_id() == id);
        let arg = arg.unwrap_or_else(|| panic!("{path:?} has no option {id}"));
        arg.get_help().map(|h| h.to_string()).unwrap_or_default()
    }

    /// Checks that the help of every option in `shown` ends with its
    /// default (a misspelt id would silently show nothing).
    pub fn assert_shown(path: &[&str], shown: &Shown) {
        for (id, value) in shown {
            let h = help(path, id);
            assert!(
                h.ends_with(&format!("[default: {value}]")),
                "{path:?} --{id}: {h}"
            );
        }
    }
}
