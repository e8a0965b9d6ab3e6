//! The set of all transforms, and which of them a run enables.

use crate::rules::RustTransform;
use crate::{declarative, schema, Transform, TransformInfo};

include!(concat!(env!("OUT_DIR"), "/embedded.rs"));

/// Every transform, sorted by code.
pub struct Registry {
    transforms: Vec<Box<dyn Transform>>,
}

impl Registry {
    /// Every embedded transform file: a declarative transform, or the docs
    /// of the Rust rule with its code.
    ///
    /// # Panics
    /// If an embedded transform file is invalid, or a Rust rule has none:
    /// that is a build defect, and the registry test catches it before release.
    pub fn load() -> Registry {
        let mut transforms: Vec<Box<dyn Transform>> = EMBEDDED
            .iter()
            .map(|(name, text)| load(name, text).unwrap_or_else(|e| panic!("{e}")))
            .collect();
        for rule in crate::rules::RULES {
            assert!(
                transforms.iter().any(|t| t.info().code == rule.code),
                "the Rust rule {} has no transforms/{}-NAME.toml",
                rule.code,
                rule.code
            );
        }
        transforms.sort_by_key(|t| t.info().code);
        Registry { transforms }
    }

    /// All transforms, by code.
    pub fn all(&self) -> &[Box<dyn Transform>] {
        &self.transforms
    }

    /// The transform with this code.
    pub fn get(&self, code: &str) -> Option<&dyn Transform> {
        self.transforms
            .iter()
            .find(|t| t.info().code.eq_ignore_ascii_case(code))
            .map(|t| t.as_ref())
    }

    /// The transforms a selection enables.
    pub fn enabled<'r>(&'r self, selection: &Selection) -> Vec<&'r dyn Transform> {
        self.transforms
            .iter()
            .filter(|t| selection.enables(t.info()))
            .map(|t| t.as_ref())
            .collect()
    }

    /// What an ignore in `selection` turns off: see [`silenced`].
    pub fn silenced(&self, selection: &Selection) -> (Vec<&'static str>, Vec<String>) {
        silenced(self.transforms.iter().map(|t| t.as_ref()), selection)
    }
}

/// The codes of `transforms` that `selection` turns off by an ignore (not
/// merely by selecting others), and the names (last parts, `create_task`)
/// those transforms look for: what they would have said about them is not
/// said by AM908 either.
pub fn silenced<'a>(
    transforms: impl IntoIterator<Item = &'a dyn Transform>,
    selection: &Selection,
) -> (Vec<&'static str>, Vec<String>) {
    let ignored: Vec<&dyn Transform> = transforms
        .into_iter()
        .filter(|t| selection.ignores(t.info()))
        .collect();
    let codes = ignored.iter().map(|t| t.info().code).collect();
    let mut words: Vec<String> = ignored
        .iter()
        .flat_map(|t| t.triggers())
        .flat_map(|t| {
            t.words()
                .into_iter()
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .collect();
    words.sort();
    words.dedup();
    (codes, words)
}

/// Loads one transform file, named `CODE-name.toml`: the file of the Rust
/// rule with that code (no `[[match]]`) gets the rule's logic, any other
/// file is a declarative transform.
fn load(file_name: &str, text: &str) -> Result<Box<dyn Transform>, String> {
    let file = schema::parse(file_name, text)?;
    let rule = crate::rules::rule(&file.code);
    let transform: Box<dyn Transform> = match (rule, file.is_declarative()) {
        (Some(rule), false) => Box::new(RustTransform {
            info: TransformInfo::from_file(&file),
            rule,
        }),
        (Some(_), true) => {
            return Err(format!(
                "{file_name}: {} is a rule written in Rust (crates/transforms/src/rules/): \
                 its file holds its docs, examples and valid cases, not `[[match]]`",
                file.code
            ))
        }
        (None, true) => Box::new(declarative::compile(file_name, file)?),
        (None, false) => {
            return Err(format!(
                "{file_name}: no `[[match]]`, and no Rust rule has the code {}: a file \
                 without `[[match]]` documents the Rust rule of its code \
                 (`RULES` in crates/transforms/src/rules/mod.rs)",
                file.code
            ))
        }
    };
    let info = transform.info();
    let expected = format!("{}-{}.toml", info.code, info.name);
    if file_name != expected {
        return Err(format!(
            "{file_name}: a transform file is named after its code and name: {expected}"
        ));
    }
    Ok(transform)
}

/// `--select` / `--ignore`: codes, code prefixes (`AM1`), `ALL`, or a
/// safety group (`SAFE`, `UNSAFE`, `MANUAL`: transforms of that class).
#[derive(Debug, Clone, Default)]
pub struct Selection {
    pub select: Vec<String>,
    pub ignore: Vec<String>,
}

const GROUPS: &[&str] = &["ALL", "SAFE", "UNSAFE", "MANUAL"];

/// How specific a selector is for `info`, if it covers it: `ALL` 0, a safety
/// group 1, a code prefix its length (so `AM101` beats `AM1` beats `SAFE`).
fn specificity(selector: &str, info: &TransformInfo) -> Option<usize> {
    let sel = selector.to_ascii_uppercase();
    match sel.as_str() {
        "ALL" => Some(0),
        "SAFE" | "UNSAFE" | "MANUAL" => {
            (info.safety_label().eq_ignore_ascii_case(&sel)).then_some(1)
        }
        _ => info.code.starts_with(&sel).then_some(sel.len() + 1),
    }
}

impl Selection {
    /// Whether a transform is selected and not ignored; the more specific of
    /// a matching select and ignore wins, as in ruff.
    pub fn enables(&self, info: &TransformInfo) -> bool {
        let best = |list: &[String]| list.iter().filter_map(|s| specificity(s, info)).max();
        let selected = if self.select.is_empty() {
            Some(0)
        } else {
            best(&self.select)
        };
        match (selected, best(&self.ignore)) {
            (None, _) => false,
            (Some(_), None) => true,
            (Some(s), Some(i)) => s > i,
        }
    }

    /// Whether an ignore turns the transform off: `--ignore AM901`, or
    /// `--select AM2 --ignore AM901`, but not `--select AM210` alone.
    pub fn ignores(&self, info: &TransformInfo) -> bool {
        !self.enables(info) && self.ignore.iter().any(|s| specificity(s, info).is_some())
    }

    /// Every selector that names no known code, prefix or group.
    pub fn unknown<'a>(&'a self, registry: &Registry) -> Vec<&'a str> {
        self.select
            .iter()
            .chain(&self.ignore)
            .filter(|p| {
                !GROUPS.iter().any(|g| g.eq_ignore_ascii_case(p))
                    && !registry
                        .all()
                        .iter()
                        .any(|t| specificity(p, t.info()).is_some())
            })
            .map(String::as_str)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Kind;

    #[test]
    fn every_embedded_transform_loads_with_unique_codes() {
        let reg = Registry::load();
        assert!(reg.all().len() >= 10);
        let mut codes: Vec<&str> = reg.all().iter().map(|t| t.info().code).collect();
        codes.dedup();
        assert_eq!(codes.len(), reg.all().len(), "duplicate codes");
        for kind in [Kind::PytestSettings, Kind::Dependencies, Kind::RootConftest] {
            let n = reg.all().iter().filter(|t| t.kind() == kind).count();
            assert_eq!(n, 1, "{kind:?} is done by exactly one transform");
        }
        for t in reg.all() {
            let info = t.info();
            assert!(info.code.starts_with("AM"), "{}", info.code);
            assert!(
                !info.docs.what.is_empty()
                    && !info.docs.why.is_empty()
                    && !info.docs.fix_safety.is_empty(),
                "{} lacks docs",
                info.code
            );
            // Configuration-file transforms change no Python code.
            let python = !matches!(t.kind(), Kind::PytestSettings | Kind::Dependencies);
            assert!(
                !python || !t.triggers().is_empty(),
                "{} has no trigger words",
                info.code
            );
        }
    }

    #[test]
    fn a_transform_file_is_named_after_its_code_and_name() {
        let (_, text) = EMBEDDED
            .iter()
            .find(|(name, _)| name.starts_with("AM906-"))
            .unwrap();
        assert!(load("AM906-star-import.toml", text).is_ok());
        let err = load("AM906-star.toml", text).err().unwrap();
        assert!(err.contains("AM906-star-import.toml"), "{err}");
        // A Rust rule's file holds its docs, not matches.
        let with_match = format!("{text}\n[[match]]\npattern = \"x\"\n");
        let with_match = with_match.replace("[docs]", "message = \"m\"\n[docs]");
        let err = load("AM906-star-import.toml", &with_match).err().unwrap();
        assert!(err.contains("AM906 is a rule written in Rust"), "{err}");
        // … and only what the rule is: its diagnostics are the rule's own.
        let with_message = text.replace("[docs]", "message = \"m\"\n[docs]");
        let err = load("AM906-star-import.toml", &with_message).err().unwrap();
        assert!(
            err.contains("`message` belongs to a declarative transform"),
            "{err}"
        );
        // A file without `[[match]]` must pair with a Rust rule.
        let orphan = text.replace("AM906", "AM999");
        let err = load("AM999-star-import.toml", &orphan).err().unwrap();
        assert!(err.contains("no Rust rule has the code AM999"), "{err}");
    }

    #[test]
    fn selection_prefixes_and_groups() {
        let reg = Registry::load();
        let info = |c: &str| reg.get(c).unwrap().info().clone();
        let s = Selection {
            select: vec!["AM1".into()],
            ignore: vec!["AM102".into()],
        };
        assert!(s.enables(&info("AM101")));
        assert!(!s.enables(&info("AM102")));
        assert!(!s.enables(&info("AM301")));
        assert!(Selection::default().enables(&info("AM301")));
        // Off by the ignore, or only not selected.
        assert!(s.ignores(&info("AM102")) && !s.ignores(&info("AM301")));
        assert!(!s.ignores(&info("AM101")));
        let s = Selection {
            select: vec!["AM102".into()],
            ignore: vec!["AM1".into()],
        };
        assert!(s.enables(&info("AM102")) && !s.enables(&info("AM101")));
        let s = Selection {
            select: vec!["safe".into()],
            ignore: vec![],
        };
        assert!(
            s.enables(&info("AM101")) && !s.enables(&info("AM102")) && !s.enables(&info("AM901"))
        );
        let s = Selection {
            select: vec!["AM7".into(), "SAFE".into(), "X".into()],
            ignore: vec![],
        };
        assert_eq!(s.unknown(&reg), vec!["AM7", "X"]);
    }
}
