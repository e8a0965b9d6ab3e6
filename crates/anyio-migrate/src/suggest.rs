//! "Did you mean …?" for misspelt codes, config keys, and subcommands or
//! flags typed as paths (clap's own suggestions cannot see those: a path is
//! a positional argument).

use transforms::Registry;

/// The candidate closest to `word`, if it is close enough to be a likely
/// typo (Jaro–Winkler above 0.8, clap's own threshold is 0.7 for longer
/// words; codes are short, so a stricter one keeps `AM9` from matching).
/// Among those, the fewest edits away wins (`AM1O1` is one from `AM101`,
/// two from `AM110`, which Jaro–Winkler ranks higher).
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let word = word.to_ascii_lowercase();
    candidates
        .into_iter()
        .map(|c| {
            let c_lower = c.to_ascii_lowercase();
            let edits = strsim::damerau_levenshtein(&word, &c_lower);
            (strsim::jaro_winkler(&word, &c_lower), edits, c)
        })
        .filter(|(score, _, _)| *score > 0.8)
        .min_by(|a, b| a.1.cmp(&b.1).then(b.0.total_cmp(&a.0)))
        .map(|(_, _, c)| c)
}

/// ` (did you mean `X`?)` or nothing.
pub fn hint(found: Option<&str>) -> String {
    found
        .map(|s| format!(" (did you mean `{s}`?)"))
        .unwrap_or_default()
}

/// A code, name or group a misspelt selector probably meant.
pub fn code<'a>(word: &str, registry: &'a Registry) -> Option<&'a str> {
    let infos = registry.all().iter().map(|t| t.info());
    let names = infos.clone().map(|i| i.name);
    let codes = infos.map(|i| i.code);
    let groups = ["ALL", "SAFE", "UNSAFE", "MANUAL"];
    closest(word, codes.chain(names).chain(groups))
}

/// The subcommands, as typed.
const SUBCOMMANDS: &[&str] = &["list", "explain", "man", "completions", "help"];

/// The subcommand an unknown flag probably meant (`--list` → `list`).
pub fn subcommand_for_flag(flag: &str) -> Option<&'static str> {
    let word = flag.strip_prefix("--")?;
    let word = word.split('=').next().unwrap_or(word);
    closest(word, SUBCOMMANDS.iter().copied())
}

/// The subcommand or flag a path that does not exist probably meant
/// (`anyio-migrate check` → `--check`).
pub fn command(path: &str) -> Option<String> {
    const FLAGS: &[&str] = &["diff", "write", "check", "statistics", "interactive", "fix"];
    if path.contains(['/', '\\', '.']) {
        return None;
    }
    if let Some(s) = closest(path, SUBCOMMANDS.iter().copied()) {
        return Some(s.to_string());
    }
    closest(path, FLAGS.iter().copied()).map(|f| match f {
        // ruff's `--fix` is our `--write`.
        "fix" => "--write".to_string(),
        f => format!("--{f}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typos_find_their_word_and_strangers_find_nothing() {
        let reg = Registry::load();
        assert_eq!(code("AM0002", &reg), Some("AM002"));
        assert_eq!(code("sleeep", &reg), Some("sleep"));
        assert_eq!(code("unsaf", &reg), Some("UNSAFE"));
        assert_eq!(code("AM1O1", &reg), Some("AM101"));
        assert_eq!(code("zzzz", &reg), None);
        assert_eq!(command("check").as_deref(), Some("--check"));
        assert_eq!(command("chek").as_deref(), Some("--check"));
        assert_eq!(command("explian").as_deref(), Some("explain"));
        assert_eq!(command("fix").as_deref(), Some("--write"));
        assert_eq!(command("src"), None);
        assert_eq!(command("./chek"), None);
        assert_eq!(subcommand_for_flag("--list"), Some("list"));
        assert_eq!(subcommand_for_flag("--explain=AM101"), Some("explain"));
        assert_eq!(subcommand_for_flag("--complettions"), Some("completions"));
        assert_eq!(subcommand_for_flag("--selectt"), None);
        assert_eq!(subcommand_for_flag("-l"), None);
        assert_eq!(
            closest("selectt", ["select", "ignore", "unsafe"]),
            Some("select")
        );
    }
}
