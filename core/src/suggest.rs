//! "Did you mean …?" for misspelt names.

/// Names longer than this (in bytes) get no suggestion: past a short name a suggestion is of
/// no use, and the distance grows with the product of the lengths.
pub const MAX_SUGGESTED_LEN: usize = 64;

/// Levenshtein distance between two byte strings.
pub fn distance(a: &[u8], b: &[u8]) -> usize {
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let subst = prev[j] + usize::from(ca != cb);
            cur[j + 1] = subst.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// The candidate closest to `name`, if one is close enough: distance at most
/// `max(2, len(name) / 3)`; ties go to the alphabetically smallest. None for a name longer than
/// [`MAX_SUGGESTED_LEN`]. A candidate whose length alone puts it out of reach (or farther than
/// the best so far) is not measured, so the work per candidate is bounded too.
pub fn closest<'a, I>(name: &[u8], candidates: I) -> Option<&'a [u8]>
where
    I: IntoIterator<Item = &'a [u8]>,
{
    if name.len() > MAX_SUGGESTED_LEN {
        return None;
    }
    let bound = (name.len() / 3).max(2);
    let mut best: Option<(usize, &'a [u8])> = None;
    for c in candidates {
        let reach = best.map_or(bound, |(d, _)| d);
        if c.len().abs_diff(name.len()) > reach {
            continue;
        }
        let d = distance(name, c);
        if d <= bound && best.map_or(true, |b| (d, c) < b) {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c)
}

/// ` (did you mean 'x'?)`, or nothing.
pub fn did_you_mean<'a, I>(name: &[u8], candidates: I) -> String
where
    I: IntoIterator<Item = &'a [u8]>,
{
    match closest(name, candidates) {
        Some(c) => format!(" (did you mean '{}'?)", crate::text::show(c)),
        None => String::new(),
    }
}

/// Sorted names joined with `, `, or `(none)`.
pub fn join_names<'a, I>(names: I) -> String
where
    I: IntoIterator<Item = &'a [u8]>,
{
    let mut v: Vec<&[u8]> = names.into_iter().collect();
    v.sort();
    v.dedup();
    if v.is_empty() {
        return "(none)".to_string();
    }
    v.iter().map(|n| crate::text::show(n)).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances() {
        assert_eq!(distance(b"", b"abc"), 3);
        assert_eq!(distance(b"kitten", b"sitting"), 3);
        assert_eq!(distance(b"db2", b"db1"), 1);
    }

    #[test]
    fn suggestions_respect_the_bound_and_ties() {
        let c: Vec<&[u8]> = vec![b"db1", b"db3", b"web1"];
        assert_eq!(closest(b"db2", c.iter().copied()), Some(&b"db1"[..]));
        assert_eq!(closest(b"zzzzzz", c.iter().copied()), None);
        assert_eq!(did_you_mean(b"wab1", c.iter().copied()), " (did you mean 'web1'?)");
        assert_eq!(join_names(Vec::<&[u8]>::new()), "(none)");
        assert_eq!(join_names(vec![&b"b"[..], b"a", b"b"]), "a, b");
    }

    #[test]
    fn long_names_get_no_suggestion() {
        let long = vec![b'a'; MAX_SUGGESTED_LEN + 1];
        let near = vec![b'a'; MAX_SUGGESTED_LEN];
        assert_eq!(closest(&long, [near.as_slice()]), None);
        assert_eq!(closest(&near, [long.as_slice()]), Some(long.as_slice()));
        // a megabyte-long name among long candidates: no distance is computed
        let huge = vec![b'x'; 1 << 20];
        assert_eq!(did_you_mean(&huge, vec![huge.as_slice(); 1000]), "");
    }
}
