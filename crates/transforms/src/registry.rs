//! The set of all transforms, and which of them a run enables.

use crate::{load_declarative, Transform};

include!(concat!(env!("OUT_DIR"), "/embedded.rs"));

/// Every transform, sorted by code.
pub struct Registry {
    transforms: Vec<Box<dyn Transform>>,
}

impl Registry {
    /// The embedded declarative transforms and the Rust ones.
    ///
    /// # Panics
    /// If an embedded transform file is invalid: that is a build defect, and
    /// the registry test catches it before release.
    pub fn load() -> Registry {
        let mut transforms: Vec<Box<dyn Transform>> = EMBEDDED
            .iter()
            .map(|(name, text)| {
                Box::new(load_declarative(name, text).unwrap_or_else(|e| panic!("{e}"))) as Box<dyn Transform>
            })
            .collect();
        transforms.extend(crate::rules::all());
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
            .filter(|t| selection.enables(t.info().code))
            .map(|t| t.as_ref())
            .collect()
    }
}

/// `--select` / `--ignore`: codes or code prefixes (`AM1`, `AM101`, `ALL`).
#[derive(Debug, Clone, Default)]
pub struct Selection {
    pub select: Vec<String>,
    pub ignore: Vec<String>,
}

impl Selection {
    /// Whether `code` is selected and not ignored. The longer of a matching
    /// select and ignore prefix wins, as in ruff.
    pub fn enables(&self, code: &str) -> bool {
        let best = |list: &[String]| {
            list.iter()
                .filter(|p| p.eq_ignore_ascii_case("ALL") || code.to_ascii_uppercase().starts_with(&p.to_ascii_uppercase()))
                .map(|p| if p.eq_ignore_ascii_case("ALL") { 0 } else { p.len() })
                .max()
        };
        let selected = if self.select.is_empty() { Some(0) } else { best(&self.select) };
        match (selected, best(&self.ignore)) {
            (None, _) => false,
            (Some(_), None) => true,
            (Some(s), Some(i)) => s > i,
        }
    }

    /// Every selector that names no known code or prefix.
    pub fn unknown<'a>(&'a self, registry: &Registry) -> Vec<&'a str> {
        self.select
            .iter()
            .chain(&self.ignore)
            .filter(|p| {
                !p.eq_ignore_ascii_case("ALL")
                    && !registry
                        .all()
                        .iter()
                        .any(|t| t.info().code.to_ascii_uppercase().starts_with(&p.to_ascii_uppercase()))
            })
            .map(String::as_str)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_embedded_transform_loads_with_unique_codes() {
        let reg = Registry::load();
        assert!(reg.all().len() >= 10);
        let mut codes: Vec<&str> = reg.all().iter().map(|t| t.info().code).collect();
        codes.dedup();
        assert_eq!(codes.len(), reg.all().len(), "duplicate codes");
        for t in reg.all() {
            let info = t.info();
            assert!(info.code.starts_with("AM"), "{}", info.code);
            assert!(!info.docs.what.is_empty() && !info.docs.why.is_empty() && !info.docs.fix_safety.is_empty(), "{} lacks docs", info.code);
            assert!(!t.triggers().is_empty(), "{} has no trigger words", info.code);
        }
    }

    #[test]
    fn selection_prefixes() {
        let s = Selection { select: vec!["AM1".into()], ignore: vec!["AM102".into()] };
        assert!(s.enables("AM101"));
        assert!(!s.enables("AM102"));
        assert!(!s.enables("AM301"));
        let all = Selection::default();
        assert!(all.enables("AM301"));
        let s = Selection { select: vec!["AM102".into()], ignore: vec!["AM1".into()] };
        assert!(s.enables("AM102") && !s.enables("AM101"));
    }
}
