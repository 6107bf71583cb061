//! The labs' command lines: parsing with `clap` into one-line errors, and the value parsers
//! that check each option where `clap` reads it, so that a mistake names its option and the
//! value found (`invalid value '0' for '--epochs <N>': expected a whole number >= 1, found 0`).
//!
//! Options that take numbers accept negative ones (`allow_negative_numbers`), so that
//! `--lr -1` reaches [`learning_rate`] and its message instead of `clap`'s "unexpected
//! argument '-1'".

use crate::common::LabError;
use clap::error::ErrorKind;
use clap::{ArgMatches, Command, FromArgMatches, Parser};

/// Parses the process's arguments into `A`. `--help` and `--version` print and exit as usual;
/// any other mistake is an error of one line (the message and `clap`'s tip, without the usage
/// block), which [`run_main`](crate::common::run_main) prints as `error: ...`.
pub fn parse<A: Parser>() -> Result<A, LabError> {
    from_matches(A::command().try_get_matches())
}

/// [`parse`] with a command built at run time (a lab binary that shares its options with
/// another, under its own name and description).
pub fn parse_command<A: FromArgMatches>(command: Command) -> Result<A, LabError> {
    from_matches(command.try_get_matches())
}

fn from_matches<A: FromArgMatches>(
    matches: clap::error::Result<ArgMatches>,
) -> Result<A, LabError> {
    match matches.and_then(|m| A::from_arg_matches(&m)) {
        Ok(args) => Ok(args),
        Err(e)
            if matches!(
                e.kind(),
                ErrorKind::DisplayHelp
                    | ErrorKind::DisplayVersion
                    | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
            ) =>
        {
            e.exit()
        }
        Err(e) => Err(one_line(&e.to_string()).into()),
    }
}

/// `clap`'s rendered error as one line: its message and tips, without the `error: ` prefix
/// (added back by `run_main`), the usage block, or the pointer to `--help`.
fn one_line(rendered: &str) -> String {
    let mut parts = Vec::new();
    let mut in_usage = false;
    for line in rendered.lines().map(str::trim) {
        if line.starts_with("Usage:") {
            in_usage = true;
            continue;
        }
        if line.is_empty() {
            in_usage = false;
            continue;
        }
        if in_usage || line.starts_with("For more information") {
            continue;
        }
        parts.push(line.strip_prefix("error: ").unwrap_or(line));
    }
    parts.join("; ")
}

/// A whole number of at least 1 (epochs, batch sizes, layer widths, threads, counts).
pub fn at_least_one(s: &str) -> Result<usize, String> {
    match s.trim().parse::<i128>() {
        Ok(v) if v >= 1 => usize::try_from(v)
            .map_err(|_| format!("expected a whole number >= 1, found {v} (too large)")),
        Ok(v) => Err(format!("expected a whole number >= 1, found {v}")),
        Err(_) => Err(format!("expected a whole number >= 1, found {s:?}")),
    }
}

/// A learning rate: a finite number above 0.
pub fn learning_rate(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(lr) if lr.is_finite() && lr > 0.0 => Ok(lr),
        Ok(lr) => Err(format!("expected a finite number > 0, found {lr}")),
        Err(_) => Err(format!("expected a finite number > 0, found {s:?}")),
    }
}

/// A momentum: a number in `[0, 1)`.
pub fn momentum(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(m) if (0.0..1.0).contains(&m) => Ok(m),
        Ok(m) => Err(format!("expected a number in [0, 1), found {m}")),
        Err(_) => Err(format!("expected a number in [0, 1), found {s:?}")),
    }
}

/// A finite number of at least 0 (a weight decay).
pub fn non_negative(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(v) if v.is_finite() && v >= 0.0 => Ok(v),
        Ok(v) => Err(format!("expected a finite number >= 0, found {v}")),
        Err(_) => Err(format!("expected a finite number >= 0, found {s:?}")),
    }
}

/// Hidden layer widths, comma-separated (`256`, `512,128`); an empty value is no hidden layer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Widths(pub Vec<usize>);

/// Parses [`Widths`]: every width a whole number of at least 1.
pub fn widths(s: &str) -> Result<Widths, String> {
    if s.trim().is_empty() {
        return Ok(Widths(Vec::new()));
    }
    s.split(',')
        .map(|w| at_least_one(w).map_err(|e| format!("every width: {e}")))
        .collect::<Result<Vec<usize>, String>>()
        .map(Widths)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_parsers_name_what_they_found() {
        assert_eq!(at_least_one("3"), Ok(3));
        assert_eq!(
            at_least_one("0").unwrap_err(),
            "expected a whole number >= 1, found 0"
        );
        assert_eq!(
            at_least_one("-1").unwrap_err(),
            "expected a whole number >= 1, found -1"
        );
        assert_eq!(
            at_least_one("two").unwrap_err(),
            "expected a whole number >= 1, found \"two\""
        );
        assert!(at_least_one("99999999999999999999999").is_err());
        assert_eq!(learning_rate("0.25"), Ok(0.25));
        assert_eq!(
            learning_rate("-1").unwrap_err(),
            "expected a finite number > 0, found -1"
        );
        assert_eq!(
            learning_rate("nan").unwrap_err(),
            "expected a finite number > 0, found NaN"
        );
        assert_eq!(momentum("0.9"), Ok(0.9));
        assert!(momentum("1").unwrap_err().contains("found 1"));
        assert_eq!(widths("512,128"), Ok(Widths(vec![512, 128])));
        assert_eq!(widths(""), Ok(Widths(vec![])));
        assert_eq!(
            widths("256,0").unwrap_err(),
            "every width: expected a whole number >= 1, found 0"
        );
    }

    #[test]
    fn clap_errors_become_one_line_with_their_tip() {
        let rendered = "error: unexpected argument '--epoch' found\n\n  tip: a similar argument \
                        exists: '--epochs'\n\nUsage: mnist-mlp --epochs <N>\n\nFor more \
                        information, try '--help'.\n";
        assert_eq!(
            one_line(rendered),
            "unexpected argument '--epoch' found; tip: a similar argument exists: '--epochs'"
        );
    }
}
