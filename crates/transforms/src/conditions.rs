//! Conditions on what a metavariable matched (`safe-if`, `require`), or on
//! the node a rule tests (`is`).

use serde::Deserialize;
use syntax::{preorder, Node};

/// A property of the node(s) bound to a metavariable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Condition {
    /// An integer or float literal with no sign.
    NonNegativeNumber,
    /// An integer or float literal greater than zero.
    PositiveNumber,
    /// An expression known to give a number never below zero: a literal,
    /// arithmetic of such, a constant or local bound only to such, a
    /// parameter every call in the file passes such (see `non_negative`).
    NonNegative,
    /// `max(n, …)` whose first argument is a non-negative number literal:
    /// never below `n` (a NaN after the first argument loses to it).
    NonNegativeMax,
    /// A number, string, `True`, `False` or `None`.
    Literal,
    /// A name or a chain of attributes on a name (`self.timeout`).
    Dotted,
    /// A name, or an attribute of any expression (`Crawler(client).run`):
    /// what a call's function is when nothing but a lookup is left of it.
    Callee,
    /// A call.
    Call,
    /// Arguments with no `name=value` or `**kwargs` among them.
    Positional,
    /// Arguments with at least one `name=value` or `**kwargs`.
    HasKeyword,
    /// Statements with no `await` in an `except` or `finally` cleanup path
    /// (level-triggered cancellation would cancel those awaits too).
    NoCleanupAwaits,
    /// An `except` clause whose body ends by re-raising what it caught: a
    /// bare `raise`, or `raise e` for `except … as e`.
    Reraises,
}

impl Condition {
    /// What the condition asks for, as said in a diagnostic.
    pub fn describe(self) -> &'static str {
        match self {
            Condition::NonNegativeNumber => "a non-negative number literal",
            Condition::PositiveNumber => "a number literal above zero",
            Condition::NonNegative => "a number known to be non-negative",
            Condition::NonNegativeMax => "`max(0, …)`",
            Condition::Literal => "a literal",
            Condition::Dotted => "a name or an attribute",
            Condition::Callee => "a name or an attribute of an expression",
            Condition::Call => "a call",
            Condition::Positional => "positional only",
            Condition::HasKeyword => "given by keyword",
            Condition::NoCleanupAwaits => "free of awaits in `except`/`finally` cleanup (level-triggered cancellation cancels those again)",
            Condition::Reraises => "an `except` clause that re-raises",
        }
    }

    /// Whether the condition holds for every node in `nodes`.
    /// `NonNegative` follows names through the file: the rules evaluate it
    /// with its file (`non_negative::holds`); here it is a literal's test.
    pub fn holds(self, nodes: &[Node], src: &str) -> bool {
        match self {
            Condition::Positional => nodes.iter().all(|n| !is_keyword(*n)),
            Condition::HasKeyword => nodes.iter().any(|n| is_keyword(*n)),
            Condition::NoCleanupAwaits => nodes.iter().all(|n| !has_cleanup_await(*n)),
            _ => nodes.iter().all(|n| self.holds_one(*n, src)),
        }
    }

    fn holds_one(self, node: Node, src: &str) -> bool {
        let kind = node.kind();
        match self {
            Condition::NonNegativeNumber | Condition::NonNegative => {
                matches!(kind, "integer" | "float")
            }
            Condition::PositiveNumber => {
                matches!(kind, "integer" | "float")
                    && syntax::text(node, src)
                        .replace('_', "")
                        .parse::<f64>()
                        .is_ok_and(|v| v > 0.0)
            }
            Condition::NonNegativeMax => {
                kind == "call"
                    && node
                        .child_by_field_name("function")
                        .is_some_and(|f| syntax::text(f, src) == "max")
                    && node
                        .child_by_field_name("arguments")
                        .and_then(|a| a.named_child(0))
                        .is_some_and(|first| matches!(first.kind(), "integer" | "float"))
            }
            Condition::Literal => matches!(
                kind,
                "integer" | "float" | "string" | "true" | "false" | "none" | "concatenated_string"
            ),
            Condition::Dotted => syntax::is_dotted(node),
            Condition::Callee => matches!(kind, "identifier" | "attribute"),
            Condition::Call => kind == "call",
            Condition::Reraises => kind == "except_clause" && reraises(node, src),
            Condition::Positional | Condition::HasKeyword | Condition::NoCleanupAwaits => {
                unreachable!("handled in holds()")
            }
        }
    }
}

fn is_keyword(node: Node) -> bool {
    matches!(node.kind(), "keyword_argument" | "dictionary_splat")
}

fn has_cleanup_await(node: Node) -> bool {
    preorder(node).any(|(n, _)| {
        matches!(
            n.kind(),
            "finally_clause" | "except_clause" | "except_group_clause"
        ) && preorder(n).any(|(m, _)| m.kind() == "await")
    })
}

/// Whether an except clause's body ends by re-raising the exception it caught
/// (a bare `raise`, or `raise e` for `except … as e`).
fn reraises(handler: Node, src: &str) -> bool {
    let Some(block) = syntax::named_children(handler)
        .into_iter()
        .rev()
        .find(|c| c.kind() == "block")
    else {
        return false;
    };
    let Some(last) = syntax::named_children(block)
        .into_iter()
        .rev()
        .find(|c| c.kind() != "comment")
    else {
        return false;
    };
    if last.kind() != "raise_statement" {
        return false;
    }
    let raised: Vec<Node> = syntax::named_children(last)
        .into_iter()
        .filter(|c| c.kind() != "comment")
        .collect();
    match raised.as_slice() {
        [] => true,
        [name] if name.kind() == "identifier" => preorder(handler)
            .find(|(n, _)| n.kind() == "as_pattern_target")
            .is_some_and(|(t, _)| syntax::text(t, src) == syntax::text(*name, src)),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::Condition::{self, *};
    use serde::Deserialize;

    /// Whether `cond` holds for the expression `src`, or for the arguments
    /// of the call `src` when `args` is set.
    fn holds(cond: Condition, src: &str, args: bool) -> bool {
        let tree = syntax::parse(src);
        let expr = tree
            .root_node()
            .named_child(0)
            .unwrap()
            .named_child(0)
            .unwrap();
        let nodes = if args {
            syntax::arguments(expr)
        } else {
            vec![expr]
        };
        cond.holds(&nodes, src)
    }

    #[test]
    fn literals_and_names() {
        assert!(holds(NonNegativeNumber, "0", false) && holds(NonNegativeNumber, "1.5", false));
        assert!(!holds(NonNegativeNumber, "-1", false));
        assert!(holds(PositiveNumber, "1_000", false) && holds(PositiveNumber, "0.5", false));
        assert!(!holds(PositiveNumber, "0", false) && !holds(PositiveNumber, "0.0", false));
        assert!(!holds(PositiveNumber, "x", false));
        assert!(holds(NonNegativeMax, "max(0, end - now)", false));
        assert!(
            !holds(NonNegativeMax, "max(end - now, 0)", false)
                && !holds(NonNegativeMax, "max(-1, x)", false)
        );
        for lit in ["1", "2.0", "'s'", "'a' 'b'", "True", "False", "None"] {
            assert!(holds(Literal, lit, false), "{lit}");
        }
        assert!(!holds(Literal, "x", false) && !holds(Literal, "[1]", false));
        assert!(holds(Dotted, "self.timeout", false) && holds(Dotted, "t", false));
        assert!(!holds(Dotted, "f().t", false) && !holds(Dotted, "a[0]", false));
        assert!(holds(Call, "f(x)", false) && !holds(Call, "f", false));
        assert!(holds(Callee, "f().t", false) && holds(Callee, "t", false));
        assert!(!holds(Callee, "a[0]", false) && !holds(Callee, "(lambda: f)", false));
    }

    #[test]
    fn argument_lists() {
        assert!(holds(Positional, "f(a, b)", true) && holds(Positional, "f()", true));
        assert!(!holds(Positional, "f(a, k=1)", true) && !holds(Positional, "f(**kw)", true));
        assert!(holds(HasKeyword, "f(a, k=1)", true) && holds(HasKeyword, "f(**kw)", true));
        assert!(!holds(HasKeyword, "f(a, *rest)", true));
    }

    #[test]
    fn cleanup_awaits() {
        let body = |src: &str| {
            let tree = syntax::parse(src);
            NoCleanupAwaits.holds(&[tree.root_node()], src)
        };
        assert!(body("try:\n    await f()\nexcept E:\n    log()\n"));
        assert!(!body("try:\n    f()\nexcept E:\n    await g()\n"));
        assert!(!body("try:\n    f()\nfinally:\n    await g()\n"));
    }

    #[test]
    fn handlers_that_reraise() {
        let handler = |src: &str| {
            let tree = syntax::parse(src);
            let clause = syntax::preorder(tree.root_node())
                .find(|(n, _)| n.kind() == "except_clause")
                .unwrap()
                .0;
            Reraises.holds(&[clause], src)
        };
        assert!(handler("try:\n    f()\nexcept E:\n    log()\n    raise\n"));
        assert!(handler(
            "try:\n    f()\nexcept E as e:\n    raise e  # again\n"
        ));
        assert!(!handler(
            "try:\n    f()\nexcept E as e:\n    raise Other()\n"
        ));
        assert!(!handler("try:\n    f()\nexcept E as e:\n    raise x\n"));
        assert!(!handler(
            "try:\n    f()\nexcept E:\n    raise\n    # unreachable\n    pass\n"
        ));
        let tree = syntax::parse("f()\n");
        assert!(!Reraises.holds(&[tree.root_node()], "f()\n"));
    }

    #[test]
    fn names_in_transform_files() {
        #[derive(Deserialize)]
        struct One {
            c: Condition,
        }
        let parse = |name: &str| toml::from_str::<One>(&format!("c = \"{name}\"")).map(|o| o.c);
        assert_eq!(parse("non-negative-number").unwrap(), NonNegativeNumber);
        assert_eq!(parse("no-cleanup-awaits").unwrap(), NoCleanupAwaits);
        assert_eq!(parse("reraises").unwrap(), Reraises);
        assert!(parse("string").is_err());
        for c in [
            NonNegativeNumber,
            PositiveNumber,
            NonNegativeMax,
            Literal,
            Dotted,
            Callee,
            Call,
            Positional,
            HasKeyword,
            NoCleanupAwaits,
            Reraises,
        ] {
            assert!(!c.describe().is_empty());
        }
    }
}
