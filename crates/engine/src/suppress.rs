//! `# anyio-migrate: ignore` and `# anyio-migrate: ignore[AM101,AM3]` comments.

const MARKER: &str = "anyio-migrate: ignore";

/// Whether a comment on `line` silences `code`.
pub fn is_suppressed(line: &str, code: &str) -> bool {
    match listed_codes(line) {
        None => false,
        Some(None) => true,
        Some(Some(list)) => list.iter().any(|p| covers(p, code)),
    }
}

/// The code prefixes an ignore comment on `line` lists: `None` without a
/// comment, `Some(None)` for a bare `# anyio-migrate: ignore` (every code).
pub fn listed_codes(line: &str) -> Option<Option<Vec<&str>>> {
    let hash = line.find('#')?;
    let comment = &line[hash..];
    let pos = comment.find(MARKER)?;
    let rest = &comment[pos + MARKER.len()..];
    Some(rest.strip_prefix('[').map(|list| {
        list.split(']')
            .next()
            .unwrap_or("")
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .collect()
    }))
}

/// Whether the prefix `listed` (`AM1`) covers `code` (`AM101`).
pub fn covers(listed: &str, code: &str) -> bool {
    code.to_ascii_uppercase()
        .starts_with(&listed.to_ascii_uppercase())
}

#[cfg(test)]
mod tests {
    use super::is_suppressed;

    #[test]
    fn all_codes_or_listed_prefixes() {
        assert!(is_suppressed("x = 1  # anyio-migrate: ignore", "AM101"));
        assert!(is_suppressed(
            "x  # anyio-migrate: ignore[AM1, AM301]",
            "AM102"
        ));
        assert!(is_suppressed(
            "x  # anyio-migrate: ignore[AM1, AM301]",
            "AM301"
        ));
        assert!(!is_suppressed("x  # anyio-migrate: ignore[AM1]", "AM301"));
        assert!(!is_suppressed("x = 1  # noqa", "AM101"));
    }
}
