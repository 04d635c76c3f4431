//! Diagnostics: one finding about the input, with where it is and what to write instead.
//!
//! Validation that can find several problems at once (an unknown machine here, a violated
//! constraint there) reports them all as a list of [`Diagnostic`]s, sorted by path, rather
//! than stopping at the first. Tools (`nix-instances check`) use the list as it is; the
//! primops and `nix-instances expand` show it as one error through [`render`].

use std::fmt;

use crate::path::Path;

/// One finding: an error, or a warning (an unmatched tag).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Where: the attribute path of the offending value, as segments
    /// ([`Path::segments`]); displayed `instances.web.roles.server`.
    pub path: Path,
    /// What, complete, as users see it after `<path>: `, including the did-you-mean when there
    /// is one: `no machine named 'db2' (did you mean 'db1'?)`. Bytes of names that are not
    /// UTF-8 are escaped as [`crate::text::show`] does.
    pub message: String,
    /// The name the did-you-mean suggests (already part of `message`), for tools that offer
    /// it as a fix; `None` when there is no close name.
    pub suggestion: Option<String>,
}

impl Diagnostic {
    pub fn new(path: Path, message: impl Into<String>, suggestion: Option<String>) -> Diagnostic {
        Diagnostic { path, message: message.into(), suggestion }
    }
}

/// `<path>: <message>`, or `<message>` at the empty path.
impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

/// Sorts diagnostics by path; diagnostics at one path keep the order they were found in.
pub fn sort(diagnostics: &mut [Diagnostic]) {
    diagnostics.sort_by(|a, b| a.path.cmp(&b.path));
}

/// Several diagnostics as one error message: a single one as its line; more as a count
/// followed by one line each.
///
/// ```text
/// 2 errors in the inventory:
/// instances.a.roles.server.machines.db2: no machine named 'db2' (did you mean 'db1'?)
/// tags.backup[0]: no machine named 'web3' (did you mean 'web1'?)
/// ```
pub fn render(diagnostics: &[Diagnostic]) -> String {
    match diagnostics {
        [one] => one.to_string(),
        many => {
            let mut s = format!("{} errors in the inventory:", many.len());
            for d in many {
                s.push('\n');
                s.push_str(&d.to_string());
            }
            s
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::path;

    #[test]
    fn sorts_by_path_and_renders_one_or_many() {
        let d = |p: Path, m: &str| Diagnostic::new(p, m, None);
        let mut ds = vec![
            d(path!["tags", "b"].index(10), "x"),
            d(path!["tags", "b"].index(9), "y"),
            d(path!["instances", "a", "roles"], "first"),
            d(path!["instances", "a"], "z"),
            d(path!["instances", "a", "roles"], "second"),
        ];
        sort(&mut ds);
        let shown: Vec<String> = ds.iter().map(ToString::to_string).collect();
        assert_eq!(shown, ["instances.a: z", "instances.a.roles: first", "instances.a.roles: second", "tags.b[9]: y", "tags.b[10]: x"]);
        assert_eq!(render(&ds[..1]), "instances.a: z");
        assert_eq!(render(&ds[..2]), "2 errors in the inventory:\ninstances.a: z\ninstances.a.roles: first");
    }
}
