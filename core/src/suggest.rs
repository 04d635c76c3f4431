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

/// Levenshtein distance if it is at most `limit`, else `None`; stops as soon as every way
/// through the table costs more, so a far candidate costs little. `rows` is scratch space.
fn distance_within(a: &[u8], b: &[u8], limit: usize, rows: &mut (Vec<usize>, Vec<usize>)) -> Option<usize> {
    if a.len().abs_diff(b.len()) > limit {
        return None;
    }
    let (prev, cur) = rows;
    prev.clear();
    prev.extend(0..=b.len());
    cur.clear();
    cur.resize(b.len() + 1, 0);
    for (i, ca) in a.iter().enumerate() {
        cur[0] = i + 1;
        let mut row_min = cur[0];
        for (j, cb) in b.iter().enumerate() {
            let subst = prev[j] + usize::from(ca != cb);
            cur[j + 1] = subst.min(prev[j + 1] + 1).min(cur[j] + 1);
            row_min = row_min.min(cur[j + 1]);
        }
        if row_min > limit {
            return None;
        }
        std::mem::swap(prev, cur);
    }
    Some(prev[b.len()]).filter(|d| *d <= limit)
}

/// The candidate closest to `name`, if one is close enough: distance at most
/// `max(2, len(name) / 3)`; ties go to the alphabetically smallest. None for a name longer than
/// [`MAX_SUGGESTED_LEN`]. A candidate whose length alone puts it out of reach (or farther than
/// the best so far) is not measured, and the others only until they fall out of reach, so the
/// work per candidate is bounded too.
pub fn closest<'a, I>(name: &[u8], candidates: I) -> Option<&'a [u8]>
where
    I: IntoIterator<Item = &'a [u8]>,
{
    if name.len() > MAX_SUGGESTED_LEN {
        return None;
    }
    let bound = (name.len() / 3).max(2);
    let mut best: Option<(usize, &[u8])> = None;
    let mut rows = (Vec::new(), Vec::new());
    for c in candidates {
        // only a candidate at most as far as the best so far can win
        let limit = best.map_or(bound, |(d, _)| d);
        if let Some(d) = distance_within(name, c, limit, &mut rows) {
            if best.map_or(true, |b| (d, c) < b) {
                best = Some((d, c));
            }
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

/// At most this many names are listed in a message; the rest are counted.
pub const LISTED_NAMES: usize = 10;

/// Sorted unique names joined with `, `, or `(none)`; past [`LISTED_NAMES`] names, the rest are
/// counted: `a, b, …, j (and 5 more)`. A message stays short however many names there are.
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
    let shown = v.iter().take(LISTED_NAMES).map(|n| crate::text::show(n)).collect::<Vec<_>>().join(", ");
    match v.len().saturating_sub(LISTED_NAMES) {
        0 => shown,
        more => format!("{shown} (and {more} more)"),
    }
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
        // the cut-off search agrees with the plain distance
        let names: Vec<Vec<u8>> = ["", "a", "ab", "ba", "abc", "abd", "xbc", "abcdef", "abcxef", "fedcba", "aaaa"].map(|s| s.as_bytes().to_vec()).into();
        for a in &names {
            for b in &names {
                for limit in 0..7 {
                    let d = distance(a, b);
                    let got = distance_within(a, b, limit, &mut (Vec::new(), Vec::new()));
                    assert_eq!(got, (d <= limit).then_some(d), "{a:?} {b:?} {limit}");
                }
            }
            let plain = names.iter().map(|c| (distance(a, c), c.as_slice())).filter(|(d, _)| *d <= (a.len() / 3).max(2)).min().map(|(_, c)| c);
            assert_eq!(closest(a, names.iter().map(Vec::as_slice)), plain);
        }
        assert_eq!(join_names(vec![&b"b"[..], b"a", b"b"]), "a, b");
        let many: Vec<String> = (0..25).map(|i| format!("n{i:02}")).collect();
        assert_eq!(
            join_names(many.iter().rev().map(|s| s.as_bytes())),
            "n00, n01, n02, n03, n04, n05, n06, n07, n08, n09 (and 15 more)"
        );
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
