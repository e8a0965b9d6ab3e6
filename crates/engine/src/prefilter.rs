//! Deciding, by a byte search, whether a file can match at all.

use aho_corasick::{packed, AhoCorasick, Input, MatchKind, Span};
use transforms::{Transform, Trigger};

/// The triggers of the enabled transforms; a file with none of them cannot
/// match any pattern and is never parsed.
pub struct Prefilter {
    searcher: Option<Searcher>,
}

struct Searcher {
    /// Every trigger word.
    all: Words,
    /// One word of each formula that it cannot hold without (an import
    /// where it has one: those are few, and rarely on an import line). A
    /// file without any of them is settled by this small, fast search.
    keys: Words,
    /// The triggers as formulas over indexes into `all`.
    formulas: Vec<Formula>,
    /// Per word of `all`: the formulas it is part of.
    formulas_of: Vec<Vec<usize>>,
}

/// Words searched together, each with how it must stand in the text.
struct Words {
    /// Leftmost-longest, so that the search can be a SIMD one (an
    /// overlapping search cannot); see [`Words::any`] for why no word is missed.
    automaton: AhoCorasick,
    /// The same search by Teddy (SIMD) where the machine has it: the
    /// automaton's own prefilter looks for one byte of the words (`y` is in
    /// all of `asyncio`, `pytest`, `anyio`), which is common in any code.
    packed: Option<packed::Searcher>,
    /// Per word: its index among all trigger words.
    index: Vec<usize>,
    /// Per word: where it must stand.
    place: Vec<Place>,
    /// The words themselves.
    word: Vec<String>,
    /// Per word: the other words it starts with (`pytest` for
    /// `pytest_asyncio`, and the same word with another place), which the
    /// search does not report where it reports this one.
    shorter: Vec<Vec<usize>>,
    /// The words for an overlapping search (the tests' plain definition).
    #[cfg(test)]
    plain: AhoCorasick,
}

impl Words {
    /// `words` are (index among all trigger words, word, place).
    fn new(words: &[(usize, &str, Place)]) -> Words {
        Words {
            automaton: AhoCorasick::builder()
                .match_kind(MatchKind::LeftmostLongest)
                .build(words.iter().map(|w| w.1))
                .expect("plain words build an automaton"),
            packed: packed::Config::new()
                .match_kind(packed::MatchKind::LeftmostLongest)
                .builder()
                .extend(words.iter().map(|w| w.1))
                .build(),
            index: words.iter().map(|w| w.0).collect(),
            place: words.iter().map(|w| w.2).collect(),
            word: words.iter().map(|w| w.1.to_string()).collect(),
            shorter: words
                .iter()
                .enumerate()
                .map(|(i, (_, w, _))| {
                    (0..words.len())
                        .filter(|&j| j != i && w.starts_with(words[j].1))
                        .collect()
                })
                .collect(),
            #[cfg(test)]
            plain: AhoCorasick::new(words.iter().map(|w| w.1)).expect("plain words"),
        }
    }

    /// Whether word `i` at `start` stands in `text` as it must.
    fn stands(&self, text: &[u8], i: usize, start: usize) -> bool {
        // Only an edge that is a word character needs a non-word neighbour:
        // `asyncio` is not in `asyncio_extras`, while `*` in `import*` counts.
        let word = self.word[i].as_bytes();
        let is_word = |b: Option<&u8>| b.is_some_and(|&c| is_word_byte(c));
        (!is_word(word.first()) || !is_word(start.checked_sub(1).and_then(|i| text.get(i))))
            && (!is_word(word.last()) || !is_word(text.get(start + word.len())))
            && self.place[i].holds(text, start)
    }

    /// Calls `seen` with the index of every word standing in
    /// `text` as it must, until `seen` returns true; whether it did.
    ///
    /// The search reports, at the leftmost place where any word starts, the
    /// longest word there; the shorter words starting there are tried by
    /// hand, and the search goes on from the next byte. So every place
    /// where a word starts is seen with every word starting there (`pytest`
    /// must not be hidden by `pytest_asyncio` at the same place).
    fn any(&self, text: &[u8], mut seen: impl FnMut(usize) -> bool) -> bool {
        let mut at = 0;
        while at < text.len() {
            let found = match &self.packed {
                Some(p) => p.find_in(text, Span::from(at..text.len())),
                None => self.automaton.find(Input::new(text).span(at..text.len())),
            };
            let Some(m) = found else {
                break;
            };
            let (start, longest) = (m.start(), m.pattern().as_usize());
            for i in std::iter::once(longest).chain(self.shorter[longest].iter().copied()) {
                if self.stands(text, i, start) && seen(self.index[i]) {
                    return true;
                }
            }
            at = start + 1;
        }
        false
    }

    /// The same by an overlapping search (every occurrence of every word),
    /// the plain definition the fast search is tested against.
    #[cfg(test)]
    fn any_overlapping(&self, text: &[u8], mut seen: impl FnMut(usize) -> bool) -> bool {
        self.plain.find_overlapping_iter(text).any(|m| {
            let i = m.pattern().as_usize();
            self.stands(text, i, m.start()) && seen(self.index[i])
        })
    }
}

/// Where a trigger word must stand to count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    Anywhere,
    /// On an `import` or `from` line ([`Trigger::Import`]).
    ImportLine,
    /// First in a module path of an import statement ([`Trigger::Module`]).
    ModulePath,
}

impl Place {
    fn holds(self, text: &[u8], offset: usize) -> bool {
        match self {
            Place::Anywhere => true,
            Place::ImportLine => on_import_line(text, offset),
            Place::ModulePath => first_in_module_path(text, offset),
        }
    }
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// A trigger over word indexes.
enum Formula {
    Word(usize),
    All(Vec<Formula>),
}

impl Formula {
    fn holds(&self, seen: &[bool]) -> bool {
        match self {
            Formula::Word(i) => seen[*i],
            Formula::All(fs) => fs.iter().all(|f| f.holds(seen)),
        }
    }

    /// The words it cannot hold without.
    fn needs(&self, out: &mut Vec<usize>) {
        match self {
            Formula::Word(i) => out.push(*i),
            Formula::All(fs) => fs.iter().for_each(|f| f.needs(out)),
        }
    }
}

impl Prefilter {
    /// From the enabled transforms' own triggers, so a new transform can
    /// never be skipped by mistake.
    pub fn new(transforms: &[&dyn Transform]) -> Prefilter {
        let mut triggers: Vec<Trigger> = transforms.iter().flat_map(|t| t.triggers()).collect();
        triggers.sort();
        triggers.dedup();
        let mut words: Vec<(String, Place)> = Vec::new();
        let mut formulas = Vec::new();
        for t in &triggers {
            match compile(t, &mut words) {
                Some(f) => formulas.push(f),
                None => return Prefilter::disabled(),
            }
        }
        let all: Vec<(usize, &str, Place)> = words
            .iter()
            .enumerate()
            .map(|(i, (w, place))| (i, w.as_str(), *place))
            .collect();
        let mut keys: Vec<usize> = formulas
            .iter()
            .map(|f| {
                let mut needs = Vec::new();
                f.needs(&mut needs);
                needs
                    .iter()
                    .copied()
                    .find(|&i| words[i].1 != Place::Anywhere)
                    .unwrap_or(needs[0])
            })
            .collect();
        keys.sort();
        keys.dedup();
        let key_words: Vec<(usize, &str, Place)> = keys.iter().map(|&i| all[i]).collect();
        let mut formulas_of: Vec<Vec<usize>> = vec![Vec::new(); all.len()];
        for (f, formula) in formulas.iter().enumerate() {
            let mut needs = Vec::new();
            formula.needs(&mut needs);
            needs.sort_unstable();
            needs.dedup();
            for w in needs {
                formulas_of[w].push(f);
            }
        }
        Prefilter {
            searcher: Some(Searcher {
                all: Words::new(&all),
                keys: Words::new(&key_words),
                formulas,
                formulas_of,
            }),
        }
    }

    /// A filter that lets every file through.
    pub fn disabled() -> Prefilter {
        Prefilter { searcher: None }
    }

    /// Whether `text` may contain a match.
    pub fn may_match(&self, text: &[u8]) -> bool {
        let Some(Searcher {
            all,
            keys,
            formulas,
            formulas_of,
        }) = &self.searcher
        else {
            return true;
        };
        if !keys.any(text, |_| true) {
            return false;
        }
        let mut seen = vec![false; all.index.len()];
        // Settled as soon as a word completes a trigger (`asyncio`
        // imported, then `sleep`): most files that can match end there,
        // long before their end.
        all.any(text, |i| {
            !std::mem::replace(&mut seen[i], true)
                && formulas_of[i].iter().any(|&f| formulas[f].holds(&seen))
        })
    }

    /// The same decision from overlapping searches and the formulas checked
    /// at the end: the plain definition `may_match` is tested against.
    #[cfg(test)]
    fn may_match_plain(&self, text: &[u8]) -> bool {
        let Some(Searcher { all, formulas, .. }) = &self.searcher else {
            return true;
        };
        let mut seen = vec![false; all.index.len()];
        all.any_overlapping(text, |i| {
            seen[i] = true;
            false
        });
        formulas.iter().any(|f| f.holds(&seen))
    }
}

/// A trigger as a formula, registering its words; `None` for `Always`.
fn compile(t: &Trigger, words: &mut Vec<(String, Place)>) -> Option<Formula> {
    let mut word = |w: &str, place: Place| {
        let key = (w.to_string(), place);
        let i = words.iter().position(|x| *x == key).unwrap_or_else(|| {
            words.push(key);
            words.len() - 1
        });
        Formula::Word(i)
    };
    Some(match t {
        Trigger::Import(w) => word(w, Place::ImportLine),
        Trigger::Module(m) => word(m, Place::ModulePath),
        Trigger::Word(w) => word(w, Place::Anywhere),
        Trigger::All(ts) => Formula::All(
            ts.iter()
                .map(|t| compile(t, words))
                .collect::<Option<Vec<_>>>()?,
        ),
        Trigger::Always => return None,
    })
}

/// Whether the line holding `offset` is an `import …` or `from … import` line,
/// following backslash continuations back to the line that starts the
/// statement (`from asyncio import \` / `    *`). A word on a line inside
/// the parentheses of `from m import (…)` is missed; `Import` words are
/// modules, named before the parentheses, and `*`, which cannot stand in them.
fn on_import_line(text: &[u8], offset: usize) -> bool {
    let line = &text[statement_start(text, offset)..offset];
    // The import may also follow `if …:`, `try:` or `…;` on its line.
    std::iter::once(line)
        .chain(line.split(|&b| b == b':' || b == b';').skip(1))
        .map(<[u8]>::trim_ascii_start)
        .any(|stmt| {
            stmt.starts_with(b"import ")
                || stmt.starts_with(b"from ")
                || stmt.starts_with(b"import\t")
                || stmt.starts_with(b"from\t")
        })
}

/// The start of the line holding `offset`, or of the first line before it
/// that a backslash continues onto it.
fn statement_start(text: &[u8], offset: usize) -> usize {
    let line_start = |end: usize| {
        text[..end]
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1)
    };
    let mut start = line_start(offset);
    while start > 0 {
        // The previous line, without its line end (`\n` or `\r\n`).
        let prev_end = start - 1;
        let prev = text[..prev_end]
            .strip_suffix(b"\r")
            .unwrap_or(&text[..prev_end]);
        if !prev.ends_with(b"\\") {
            break;
        }
        start = line_start(prev_end);
    }
    start
}

/// Whether the word at `offset` is the first name of a module path in an
/// import statement (`import asyncio.tasks`, `import os, asyncio`,
/// `from asyncio import sleep`): only there does it make a qualified name
/// start with it. Not after a dot (`from redis import asyncio`,
/// `from ..ext.asyncio import X` bind other modules), not after `as`.
/// Statements joined by `;` are not told apart: any word there counts.
fn first_in_module_path(text: &[u8], offset: usize) -> bool {
    if !on_import_line(text, offset) {
        return false;
    }
    let start = statement_start(text, offset);
    let before = &text[start..offset];
    // What precedes the word, past blanks and backslash continuations.
    let end = before
        .iter()
        .rposition(|&b| !matches!(b, b' ' | b'\t' | b'\x0c' | b'\\' | b'\r' | b'\n'))
        .map_or(0, |i| i + 1);
    let prev = &before[..end];
    let keyword = |k: &[u8]| {
        prev.ends_with(k)
            && prev
                .len()
                .checked_sub(k.len() + 1)
                .is_none_or(|i| !is_word_byte(prev[i]))
    };
    if keyword(b"from") || before.contains(&b';') {
        return true;
    }
    // In `from m import …` the word is an imported name or an alias.
    if before.trim_ascii_start().starts_with(b"from") {
        return false;
    }
    keyword(b"import") || prev.ends_with(b",")
}

#[cfg(test)]
mod tests {
    use super::*;
    use transforms::{Registry, Selection};

    #[test]
    fn imports_count_only_on_import_lines() {
        let reg = Registry::load();
        // AM908 reports every use of asyncio that is left, so with it any
        // file that imports asyncio is read; the words count without it.
        let all = Prefilter::new(&reg.enabled(&Selection::default()));
        assert!(all.may_match(b"import asyncio\nasyncio.isfuture(f)\n"));
        assert!(!all.may_match(b"import asyncio_extras\n"));
        let without_am908 = Selection {
            select: Vec::new(),
            ignore: vec!["AM908".into()],
        };
        let f = Prefilter::new(&reg.enabled(&without_am908));
        assert!(f.may_match(b"import asyncio\nasyncio.run(main())\n"));
        assert!(f.may_match(b"x = 1\n    from asyncio.tasks import sleep\n"));
        assert!(f.may_match(b"import os, asyncio\nawait asyncio.gather(a(), b())\n"));
        // A file that imports asyncio but uses none of the names any
        // transform looks for is not parsed.
        assert!(!f.may_match(b"import asyncio\nasyncio.isfuture(f)\n"));
        assert!(!f.may_match(b"# works with asyncio too\nx = 'asyncio'\n"));
        assert!(!f.may_match(b"import asyncio_extras\n"));
        assert!(f.may_match(b"import anyio\ntg.start_soon(f)\n"));
        assert!(!f.may_match(b"tg.start_soon(f)\n"));
        assert!(f.may_match(b"import os, \\\n    asyncio\nasyncio.sleep(1)\n"));
        assert!(f.may_match(b"from asyncio import \\\r\n  *\n"));
        assert!(f.may_match(b"from asyncio import*\n"));
        assert!(!f.may_match(b"import asyncio\nx = 2 * y  # nothing of asyncio used\n"));
        // `asyncio` that is not the first name of a module path binds
        // another module (or is an alias): nothing resolves to asyncio's.
        assert!(!f.may_match(b"from redis import asyncio\nasyncio.run(main())\n"));
        assert!(!f.may_match(b"from ..ext.asyncio import x\nasyncio.run(main())\n"));
        assert!(!f.may_match(b"import trio as asyncio\nasyncio.run(main())\n"));
        assert!(!f.may_match(b"import x.asyncio\nasyncio.run(main())\n"));
        for ok in [
            &b"import os, asyncio.tasks as t\nt.sleep(1)\n"[..],
            b"import os as o,\\\n  asyncio\nasyncio.sleep(1)\n",
            b"from \\\n  asyncio import sleep\n",
            b"import os; from redis import asyncio\nasyncio.run(main())\n",
            b"from asyncio.tasks import sleep\n",
            b"try: import asyncio\nexcept ImportError: pass\nasyncio.run(main())\n",
            b"if TYPE_CHECKING: from asyncio import sleep\n",
        ] {
            assert!(f.may_match(ok), "{}", String::from_utf8_lossy(ok));
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(1000))]
        /// The leftmost-longest search with early settling decides as the
        /// overlapping search over the whole text does, on texts made of the
        /// trigger words, their prefixes and what stands around them.
        #[test]
        fn fast_search_decides_as_the_plain_one(
            parts in proptest::collection::vec(0usize..26, 0..40)
        ) {
            const PIECES: [&str; 26] = [
                "import ", "from ", "asyncio", "pytest", "pytest_asyncio", "mark.asyncio",
                "anyio", "async_timeout", "sleep", "gather", "run", "run_until_complete",
                "timeout", "timeout_at", "*", ".", ",", " ", "\n", "\\\n", ";", ":",
                "_", "x", "as ", "wait",
            ];
            static FILTER: std::sync::OnceLock<Prefilter> = std::sync::OnceLock::new();
            let f = FILTER.get_or_init(|| {
                Prefilter::new(&Registry::load().enabled(&Selection::default()))
            });
            let text: String = parts.iter().map(|&i| PIECES[i]).collect();
            proptest::prop_assert_eq!(
                f.may_match(text.as_bytes()),
                f.may_match_plain(text.as_bytes()),
                "{:?}", text
            );
            // Every word standing in the text is seen, also one that starts
            // another (the same word with another place, a longer word that
            // does not stand where the shorter does).
            let words = Words::new(&[
                (0, "asyncio", Place::ModulePath),
                (1, "asyncio", Place::Anywhere),
                (2, "asyncio.", Place::ImportLine),
                (3, "pytest", Place::Anywhere),
                (4, "pytest_asyncio", Place::ImportLine),
                (5, "*", Place::ImportLine),
                (6, "run", Place::Anywhere),
                (7, "run_until_complete", Place::Anywhere),
            ]);
            let (mut fast, mut plain) = ([false; 8], [false; 8]);
            words.any(text.as_bytes(), |i| { fast[i] = true; false });
            words.any_overlapping(text.as_bytes(), |i| { plain[i] = true; false });
            proptest::prop_assert_eq!(fast, plain, "{:?}", text);
            // The same without Teddy (a machine without SIMD).
            let mut words = words;
            words.packed = None;
            let mut fast = [false; 8];
            words.any(text.as_bytes(), |i| { fast[i] = true; false });
            proptest::prop_assert_eq!(fast, plain, "{:?}", text);
        }
    }
}
