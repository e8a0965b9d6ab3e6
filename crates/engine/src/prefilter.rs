//! Deciding, by a byte search, whether a file can match at all.

use aho_corasick::AhoCorasick;
use transforms::Transform;

/// The trigger words of the enabled transforms; a file containing none of
/// them cannot match any pattern and is never parsed.
pub struct Prefilter {
    words: Option<AhoCorasick>,
}

impl Prefilter {
    /// From the enabled transforms' own trigger words, so a new transform
    /// can never be skipped by mistake.
    pub fn new(transforms: &[&dyn Transform]) -> Prefilter {
        let mut words: Vec<String> = transforms.iter().flat_map(|t| t.triggers()).collect();
        words.sort();
        words.dedup();
        if words.iter().any(String::is_empty) {
            // A transform that can match anything disables the filter.
            return Prefilter { words: None };
        }
        Prefilter {
            words: Some(AhoCorasick::new(&words).expect("plain words build an automaton")),
        }
    }

    /// A filter that lets every file through.
    pub fn disabled() -> Prefilter {
        Prefilter { words: None }
    }

    /// Whether `text` may contain a match.
    pub fn may_match(&self, text: &[u8]) -> bool {
        self.words.as_ref().is_none_or(|ac| ac.is_match(text))
    }
}
