//! Every transform anyio-migrate knows: the [`Transform`] trait, the
//! per-file [`FileContext`] transforms read, the declarative transforms
//! loaded from `transforms/*.toml`, and the [`Registry`] that holds them.

mod callers;
mod conditions;
mod context;
mod declarative;
mod info;
mod non_negative;
mod registry;
mod rule;
mod rules;
mod schema;
mod versions;

pub use callers::{CaughtCall, CaughtCalls};
pub use context::{lines_holding, parse_version, FileContext, ProjectFacts, PytestSuite, Targets};
pub use declarative::{load_declarative, Declarative};
pub use info::TransformInfo;
pub use registry::{silenced, Registry, Selection};
pub use rules::{
    has_wide_async_fixture, new_conftest, suite_facts, suite_text_facts, with_parsed_facts,
    LoopFacts, SuiteFacts, UNUSED_IGNORE,
};
pub use schema::{Docs, Example, Valid};
pub use versions::anyio_needed;

/// The last names of the context managers that expect an error of a class
/// from their body (`pytest.raises(ValueError)`, unittest's
/// `self.assertRaises(...)`): they catch it as a handler does.
pub const EXPECTS_ERROR: &[&str] = &["raises", "assertRaises", "assertRaisesRegex"];

/// The clause an unsafe diagnostic adds when its fix would drop a comment.
pub const DROPS_COMMENT: &str = " (the fix would drop a comment)";

use edit::Diagnostic;

/// What a file must contain for a transform to find anything in it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Trigger {
    /// The word stands on an `import` or `from` line.
    Import(String),
    /// The module is imported: a module path in an import statement starts
    /// with it (`import asyncio.tasks`, `from asyncio import sleep`; not
    /// `from redis import asyncio`). Names resolve only through imports, so
    /// a name cannot resolve to `asyncio.sleep` in a file without this.
    Module(String),
    /// The word appears anywhere (an attribute name such as `start_soon`).
    Word(String),
    /// Every one of these holds (`start_soon` in a file that imports anyio).
    All(Vec<Trigger>),
    /// Anything may match: the file is always parsed.
    Always,
}

impl Trigger {
    /// What a name resolving to `qualified` (`asyncio.gather`) needs: its
    /// module imported ([`Trigger::Module`]), and its last name in the file.
    /// A name resolves either as an attribute ending in that name or through
    /// an import that spells it (`from asyncio import gather as g`), so a
    /// file without the word holds nothing that resolves to it.
    /// The module imported and the word anywhere: a method or attribute
    /// name that means the module's only where it is imported
    /// (`run_until_complete` on an asyncio loop).
    pub fn word_with_module(module: &str, word: &str) -> Trigger {
        Trigger::All(vec![
            Trigger::Module(module.into()),
            Trigger::Word(word.into()),
        ])
    }

    /// The words this trigger looks for (a name's last part, an import's
    /// word), in every trigger it holds.
    pub fn words(&self) -> Vec<&str> {
        match self {
            Trigger::Word(w) | Trigger::Import(w) => vec![w.as_str()],
            Trigger::All(all) => all.iter().flat_map(Trigger::words).collect(),
            Trigger::Module(_) | Trigger::Always => Vec::new(),
        }
    }

    pub fn name(qualified: &str) -> Trigger {
        let module = qualified.split('.').next().unwrap_or(qualified);
        let last = qualified.rsplit('.').next().unwrap_or(qualified);
        if module == last {
            return Trigger::Module(module.into());
        }
        Trigger::All(vec![
            Trigger::Module(module.into()),
            Trigger::Word(last.into()),
        ])
    }
}

/// What a transform edits, when that is more than Python code: the CLI
/// asks the registry which transform (and so which code) does each part.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Python code only.
    Python,
    /// The pytest settings of configuration files (made by `pytestcfg`).
    PytestSettings,
    /// The dependency lists of configuration and requirement files (made by `pytestcfg`).
    Dependencies,
    /// Python code, and the root `conftest.py` a moving pytest suite lacks,
    /// which the run creates.
    RootConftest,
}

/// One rewrite or report: looks at a file and proposes diagnostics, most with a fix.
pub trait Transform: Send + Sync {
    /// Code, name, docs, examples and valid cases.
    fn info(&self) -> &TransformInfo;
    /// What it edits besides Python code.
    fn kind(&self) -> Kind {
        Kind::Python
    }
    /// What a file must contain for this transform to find anything in it.
    /// Files with no trigger of any enabled transform are never parsed.
    fn triggers(&self) -> Vec<Trigger>;
    /// Adds this transform's findings in `cx` to `out`.
    fn check(&self, cx: &FileContext, out: &mut Vec<Diagnostic>);
}
