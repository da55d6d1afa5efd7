//! Library errors as the command line reports them. The libraries word
//! their messages in their own terms (a setting's name, what to do); where a
//! message is about a setting that an option changes, the option is added.

use crate::CliError;

/// `e`, followed by the options that change what it is about, unless its
/// message names them already.
pub fn with_options<E>(e: E, options: &[&str]) -> CliError
where
    E: std::error::Error + Send + Sync + 'static,
{
    let message = e.to_string();
    if options.is_empty() || options.iter().any(|o| message.contains(o)) {
        return e.into();
    }
    format!("{message} (on the command line: {})", options.join(", ")).into()
}

#[cfg(test)]
mod tests {
    use super::with_options;

    #[test]
    fn options_are_added_once() {
        let e = || std::io::Error::other("raise max_len");
        assert_eq!(
            with_options(e(), &["--max-len", "--truncate"]).to_string(),
            "raise max_len (on the command line: --max-len, --truncate)"
        );
        assert_eq!(with_options(e(), &[]).to_string(), "raise max_len");
        let named = std::io::Error::other("lower --min-count");
        assert_eq!(
            with_options(named, &["--min-count"]).to_string(),
            "lower --min-count"
        );
    }
}
