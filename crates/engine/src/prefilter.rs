//! Deciding, by a byte search, whether a file can match at all.

use aho_corasick::AhoCorasick;
use transforms::{Transform, Trigger};

/// The triggers of the enabled transforms; a file with none of them cannot
/// match any pattern and is never parsed.
pub struct Prefilter {
    /// The words, and for each whether it must stand on an import line.
    searcher: Option<(AhoCorasick, Vec<bool>)>,
}

impl Prefilter {
    /// From the enabled transforms' own triggers, so a new transform can
    /// never be skipped by mistake.
    pub fn new(transforms: &[&dyn Transform]) -> Prefilter {
        let mut triggers: Vec<Trigger> = transforms.iter().flat_map(|t| t.triggers()).collect();
        triggers.sort();
        triggers.dedup();
        if triggers.contains(&Trigger::Always) {
            return Prefilter::disabled();
        }
        let (words, import_only): (Vec<String>, Vec<bool>) = triggers
            .into_iter()
            .map(|t| match t {
                Trigger::Import(w) => (w, true),
                Trigger::Word(w) => (w, false),
                Trigger::Always => unreachable!("handled above"),
            })
            .unzip();
        Prefilter {
            searcher: Some((
                AhoCorasick::new(&words).expect("plain words build an automaton"),
                import_only,
            )),
        }
    }

    /// A filter that lets every file through.
    pub fn disabled() -> Prefilter {
        Prefilter { searcher: None }
    }

    /// Whether `text` may contain a match.
    pub fn may_match(&self, text: &[u8]) -> bool {
        let Some((ac, import_only)) = &self.searcher else {
            return true;
        };
        ac.find_iter(text).any(|m| {
            let word_boundary =
                |b: Option<&u8>| b.is_none_or(|c| !(c.is_ascii_alphanumeric() || *c == b'_'));
            let bounded = word_boundary(m.start().checked_sub(1).and_then(|i| text.get(i)))
                && word_boundary(text.get(m.end()));
            bounded && (!import_only[m.pattern().as_usize()] || on_import_line(text, m.start()))
        })
    }
}

/// Whether the line holding `offset` is an `import …` or `from … import` line
/// (a word after a backslash continuation is missed; that needs the module
/// named on the first line anyway for `from`, and is rare for `import`).
fn on_import_line(text: &[u8], offset: usize) -> bool {
    let start = text[..offset]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let line = text[start..offset].trim_ascii_start();
    line.starts_with(b"import ")
        || line.starts_with(b"from ")
        || line.starts_with(b"import\t")
        || line.starts_with(b"from\t")
}

#[cfg(test)]
mod tests {
    use super::*;
    use transforms::{Registry, Selection};

    #[test]
    fn imports_count_only_on_import_lines() {
        let reg = Registry::load();
        let f = Prefilter::new(&reg.enabled(&Selection::default()));
        assert!(f.may_match(b"import asyncio\n"));
        assert!(f.may_match(b"x = 1\n    from asyncio.tasks import sleep\n"));
        assert!(f.may_match(b"import os, asyncio\n"));
        assert!(!f.may_match(b"# works with asyncio too\nx = 'asyncio'\n"));
        assert!(!f.may_match(b"import asyncio_extras\n"));
        assert!(f.may_match(b"tg.start_soon(f)\n"));
    }
}
