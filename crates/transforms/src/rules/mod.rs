//! Transforms written in Rust: those that need more than one pattern in view.
//! Each file holds one rule's logic; its code pairs it with its
//! `transforms/CODE-name.toml`, which holds the name, docs, examples and
//! valid cases (and no `[[match]]`).

mod anyio_backend;
mod asyncio_fixture;
mod asyncio_mark;
mod cleared_event;
mod create_task_await;
mod custom_loop;
mod event_loop_fixture;
mod from_thread;
mod future;
mod gather;
mod gather_each;
mod gather_results;
mod loop_time;
mod port_fixture;
mod primitive_annotation;
mod pytest_config;
mod pytest_suite;
mod pytest_support;
mod queue;
mod run_until_complete;
mod star_import;
mod start_soon_callable;
mod sync_uses_async_fixture;
mod task_group;
mod task_list;
mod task_support;
mod unused_ignore;
mod unused_running_loop;

use crate::{FileContext, Kind, Transform, TransformInfo, Trigger};
use edit::Diagnostic;

pub use anyio_backend::new_conftest;
pub use custom_loop::LoopFacts;
pub use pytest_suite::{suite_facts, SuiteFacts};
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
