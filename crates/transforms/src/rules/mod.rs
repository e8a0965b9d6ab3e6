//! Transforms written in Rust: those that need more than one pattern in view.
//! Each file holds one rule's logic; its code pairs it with its
//! `transforms/CODE-name.toml`, which holds the name, docs, examples and
//! valid cases (and no `[[match]]`).

mod anyio_backend;
mod as_completed;
mod asyncio_fixture;
mod asyncio_left;
mod asyncio_mark;
mod cleared_event;
mod create_task_await;
mod current_task;
mod custom_loop;
mod event_loop_fixture;
mod from_thread;
mod future;
mod gather;
mod gather_each;
mod gather_results;
mod loop_time;
mod object_task;
mod port_fixture;
mod primitive_annotation;
mod pytest_config;
mod pytest_suite;
mod pytest_support;
mod queue;
mod race;
mod run_until_complete;
mod star_import;
mod start_soon_callable;
mod sync_uses_async_fixture;
mod task_group;
mod task_list;
mod task_support;
mod timeout_object;
mod unowned_task;
mod unused_ignore;
mod unused_running_loop;

use crate::{FileContext, Kind, Transform, TransformInfo, Trigger};
use edit::Diagnostic;

pub use anyio_backend::new_conftest;
pub use custom_loop::LoopFacts;
pub use pytest_suite::{
    has_wide_async_fixture, suite_facts, suite_text_facts, with_parsed_facts, SuiteFacts,
};
pub use unused_ignore::CODE as UNUSED_IGNORE;

/// The logic of one transform written in Rust.
#[derive(Clone, Copy)]
pub struct Rule {
    /// The code of its transform file.
    pub code: &'static str,
    /// What a file must contain for the rule to find anything in it.
    pub triggers: fn() -> Vec<Trigger>,
    /// Adds the rule's findings in a file.
    pub check: fn(&FileContext, &mut Vec<Diagnostic>),
    /// What it edits besides Python code.
    pub kind: Kind,
}

/// The rule of a module: its `CODE`, `triggers` and `check`; it edits
/// Python code only unless a [`Kind`] is given.
macro_rules! rule {
    ($module:ident) => {
        rule!($module, Kind::Python)
    };
    ($module:ident, $kind:expr) => {
        Rule {
            code: $module::CODE,
            triggers: $module::triggers,
            check: $module::check,
            kind: $kind,
        }
    };
}

/// Every Rust rule.
pub static RULES: &[Rule] = &[
    rule!(gather),
    rule!(gather_results),
    rule!(gather_each),
    rule!(task_group),
    rule!(start_soon_callable),
    rule!(create_task_await),
    rule!(future),
    rule!(race),
    rule!(object_task),
    rule!(as_completed),
    rule!(current_task),
    rule!(timeout_object),
    rule!(primitive_annotation),
    rule!(cleared_event),
    rule!(queue),
    rule!(unused_running_loop),
    rule!(run_until_complete),
    rule!(loop_time),
    rule!(from_thread),
    pytest_config::config_file("AM601", Kind::PytestSettings),
    pytest_config::config_file("AM602", Kind::Dependencies),
    rule!(asyncio_mark),
    rule!(asyncio_fixture),
    rule!(anyio_backend, Kind::RootConftest),
    rule!(event_loop_fixture),
    rule!(sync_uses_async_fixture),
    rule!(port_fixture),
    rule!(star_import),
    rule!(asyncio_left),
    rule!(unused_ignore),
];

/// The Rust rule of transform `code`, if it has one.
pub fn rule(code: &str) -> Option<Rule> {
    RULES.iter().find(|r| r.code == code).copied()
}

/// A Rust rule with the name, docs, examples and valid cases of its transform file.
pub struct RustTransform {
    pub info: TransformInfo,
    pub rule: Rule,
}

impl Transform for RustTransform {
    fn info(&self) -> &TransformInfo {
        &self.info
    }

    fn kind(&self) -> Kind {
        self.rule.kind
    }

    fn triggers(&self) -> Vec<Trigger> {
        (self.rule.triggers)()
    }

    fn check(&self, cx: &FileContext, out: &mut Vec<Diagnostic>) {
        (self.rule.check)(cx, out)
    }
}

/// Running one rule alone on a snippet, for the rules' unit tests.
#[cfg(test)]
pub(crate) mod testing {
    use super::rule;
    use crate::{FileContext, PytestSuite, Targets};
    use edit::{Applicability, Diagnostic};

    /// One finding: its message, and the text its fix gives when applied
    /// alone (`None` for a report), with the fix's class.
    #[derive(Debug)]
    pub struct Finding {
        pub message: String,
        pub hint: Option<String>,
        pub fixed: Option<(String, Applicability)>,
    }

    /// A suite that moves to anyio's plugin, with the async fixture `client`.
    pub fn moves() -> Targets {
        Targets {
            pytest: PytestSuite::Moves {
                auto: false,
                async_fixtures: std::sync::Arc::new(["client".to_string()].into_iter().collect()),
            },
            ..Targets::default()
        }
    }

    /// Asserts that `found` is one finding, saying `message`, whose fix of
    /// class `class` gives `text`.
    pub fn assert_fixes(found: &[Finding], message: &str, text: &str, class: Applicability) {
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].message, message);
        assert_eq!(found[0].fixed, Some((text.to_string(), class)));
    }

    /// Asserts that `found` is one report (no fix) saying `message`.
    pub fn assert_reports(found: &[Finding], message: &str) {
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].message, message);
        assert!(found[0].fixed.is_none());
    }

    /// The findings of rule `code` on `src`, with the default targets.
    pub fn run(code: &str, src: &str) -> Vec<Finding> {
        run_with(code, src, Targets::default())
    }

    /// The findings of rule `code` on `src`, for `targets`.
    pub fn run_with(code: &str, src: &str, targets: Targets) -> Vec<Finding> {
        let tree = syntax::parse(src);
        let style = syntax::Style::detect(src);
        let cx = FileContext::new(src, &tree, &style).with_targets(targets);
        let mut out: Vec<Diagnostic> = Vec::new();
        (rule(code).expect("a Rust rule").check)(&cx, &mut out);
        out.into_iter()
            .map(|d| Finding {
                message: d.message,
                hint: d.hint,
                fixed: d
                    .fix
                    .map(|f| (edit::apply_edits(src, &f.edits), f.applicability)),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::testing::run;
    use super::{rule, RULES};

    #[test]
    fn every_rule_has_its_own_code() {
        let mut codes: Vec<&str> = RULES.iter().map(|r| r.code).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), RULES.len());
        assert!(rule("AM201").is_some() && rule("AM101").is_none());
    }

    #[test]
    fn rules_found_elsewhere_find_nothing_in_python() {
        // AM601/AM602 edit configuration files; AM907 is found by the
        // engine once every other rule has run.
        let src = "import asyncio  # anyio-migrate: ignore[AM101]\n";
        for code in ["AM601", "AM602", "AM907"] {
            assert!(run(code, src).is_empty(), "{code}");
        }
        assert!((rule("AM601").unwrap().triggers)().is_empty());
        assert!(!(rule("AM907").unwrap().triggers)().is_empty());
    }
}
