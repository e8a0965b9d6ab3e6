//! AM608: pytest-asyncio's free-port fixtures become anyio's.

use crate::{FileContext, Trigger};
use edit::{Applicability, Diagnostic, Edit, Fix};

/// The code of this rule's transform file.
pub(super) const CODE: &str = "AM608";

/// pytest-asyncio's fixture names and anyio's for the same thing.
const PORT_FIXTURES: [(&str, &str); 4] = [
    ("unused_tcp_port", "free_tcp_port"),
    ("unused_udp_port", "free_udp_port"),
    ("unused_tcp_port_factory", "free_tcp_port_factory"),
    ("unused_udp_port_factory", "free_udp_port_factory"),
];

pub(super) fn triggers() -> Vec<Trigger> {
    vec![
        Trigger::Word("unused_tcp_port".into()),
        Trigger::Word("unused_udp_port".into()),
    ]
}

pub(super) fn check(cx: &FileContext, out: &mut Vec<Diagnostic>) {
    if !cx.targets.pytest.moves() {
        return;
    }
    let defs = cx.nodes_of_kind(syntax::kinds().function_definition);
    let defined_here = |old: &str| {
        defs.iter()
            .any(|d| d.child_by_field_name("name").map(|n| cx.text(n)) == Some(old))
    };
    for &def in defs {
        let Some(params) = def.child_by_field_name("parameters") else {
            continue;
        };
        for (old, new) in PORT_FIXTURES {
            if defined_here(old) {
                continue;
            }
            let param = syntax::named_children(params).into_iter().find(|p| {
                let ident = if p.kind() == "identifier" {
                    Some(*p)
                } else {
                    syntax::named_children(*p)
                        .into_iter()
                        .find(|c| c.kind() == "identifier")
                };
                ident.is_some_and(|i| cx.text(i) == old)
            });
            let Some(param) = param else {
                continue;
            };
            // The parameter and every plain name in the function that
            // spells it (attributes and keyword names are other things).
            let mut edits = Vec::new();
            for (node, _) in syntax::preorder(def) {
                if node.kind() != "identifier" || cx.text(node) != old {
                    continue;
                }
                let other = node.parent().is_some_and(|p| {
                    (p.kind() == "attribute" && p.child_by_field_name("attribute") == Some(node))
                        || (p.kind() == "keyword_argument"
                            && p.child_by_field_name("name") == Some(node))
                });
                if !other {
                    edits.push(Edit::replace(node.byte_range(), new));
                }
            }
            out.push(
                Diagnostic::new(
                    CODE,
                    format!("pytest-asyncio's `{old}` fixture becomes anyio's `{new}`"),
                    param.byte_range(),
                )
                .with_fix(Fix::new(edits, Applicability::Safe)),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::*;

    #[test]
    fn the_port_fixture_becomes_anyios() {
        let src =
            "import pytest\n\nasync def test_port(unused_tcp_port):\n    assert unused_tcp_port\n";
        let found = run_with("AM608", src, moves());
        assert_fixes(
            &found,
            "pytest-asyncio's `unused_tcp_port` fixture becomes anyio's `free_tcp_port`",
            "import pytest\n\nasync def test_port(free_tcp_port):\n    assert free_tcp_port\n",
            edit::Applicability::Safe,
        );
    }
}
