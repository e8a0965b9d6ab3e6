//! Conditions on what a metavariable matched (`safe-if`, `require`).

use serde::Deserialize;
use syntax::{preorder, Node};

/// A property of the node(s) bound to a metavariable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Condition {
    /// An integer or float literal.
    Number,
    /// An integer or float literal with no sign.
    NonNegativeNumber,
    /// An integer or float literal greater than zero.
    PositiveNumber,
    /// A number, string, `True`, `False` or `None`.
    Literal,
    /// A string literal.
    String,
    /// A plain name.
    Name,
    /// A name or a chain of attributes on a name (`self.timeout`).
    Dotted,
    /// A call.
    Call,
    /// `None`.
    None,
    /// Anything but `None`.
    NotNone,
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
            Condition::Number => "a number literal",
            Condition::NonNegativeNumber => "a non-negative number literal",
            Condition::PositiveNumber => "a number literal above zero",
            Condition::Literal => "a literal",
            Condition::String => "a string literal",
            Condition::Name => "a plain name",
            Condition::Dotted => "a name or an attribute",
            Condition::Call => "a call",
            Condition::None => "`None`",
            Condition::NotNone => "other than `None`",
            Condition::Positional => "positional only",
            Condition::HasKeyword => "given by keyword",
            Condition::NoCleanupAwaits => "free of awaits in `except`/`finally` cleanup (level-triggered cancellation cancels those again)",
            Condition::Reraises => "an `except` clause that re-raises",
        }
    }

    /// Whether the condition holds for every node in `nodes`.
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
            Condition::Number => matches!(kind, "integer" | "float"),
            Condition::NonNegativeNumber => matches!(kind, "integer" | "float"),
            Condition::PositiveNumber => {
                matches!(kind, "integer" | "float")
                    && syntax::text(node, src)
                        .replace('_', "")
                        .parse::<f64>()
                        .is_ok_and(|v| v > 0.0)
            }
            Condition::Literal => matches!(
                kind,
                "integer" | "float" | "string" | "true" | "false" | "none" | "concatenated_string"
            ),
            Condition::String => matches!(kind, "string" | "concatenated_string"),
            Condition::Name => kind == "identifier",
            Condition::Dotted => is_dotted(node),
            Condition::Call => kind == "call",
            Condition::None => kind == "none",
            Condition::NotNone => kind != "none",
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

fn is_dotted(node: Node) -> bool {
    match node.kind() {
        "identifier" => true,
        "attribute" => node.child_by_field_name("object").is_some_and(is_dotted),
        _ => false,
    }
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
