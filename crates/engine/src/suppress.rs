//! `# anyio-migrate: ignore` and `# anyio-migrate: ignore[AM101,AM3]` comments.

const MARKER: &str = "anyio-migrate: ignore";

/// Whether a comment on `line` silences `code`.
pub fn is_suppressed(line: &str, code: &str) -> bool {
    let Some(hash) = line.find('#') else {
        return false;
    };
    let comment = &line[hash..];
    let Some(pos) = comment.find(MARKER) else {
        return false;
    };
    let rest = &comment[pos + MARKER.len()..];
    match rest.strip_prefix('[') {
        None => true,
        Some(list) => list
            .split(']')
            .next()
            .unwrap_or("")
            .split(',')
            .map(str::trim)
            .any(|p| {
                !p.is_empty()
                    && code
                        .to_ascii_uppercase()
                        .starts_with(&p.to_ascii_uppercase())
            }),
    }
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
