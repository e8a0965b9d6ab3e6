//! AM608: pytest-asyncio's free-port fixtures become anyio's.

use crate::{Docs, Example, FileContext, Transform, TransformInfo, Trigger};
use edit::{Applicability, Diagnostic, Edit, Fix};

/// pytest-asyncio's fixture names and anyio's for the same thing.
const PORT_FIXTURES: [(&str, &str); 4] = [
    ("unused_tcp_port", "free_tcp_port"),
    ("unused_udp_port", "free_udp_port"),
    ("unused_tcp_port_factory", "free_tcp_port_factory"),
    ("unused_udp_port_factory", "free_udp_port_factory"),
];

/// Renames `unused_tcp_port` & co. to `free_tcp_port` & co. in the functions that request them.
pub struct PortFixture {
    info: TransformInfo,
}

impl PortFixture {
    /// The transform with its docs.
    pub fn new() -> Self {
        PortFixture {
            info: TransformInfo {
                code: "AM608",
                name: "port-fixture",
                summary: "pytest-asyncio's `unused_tcp_port` fixtures become anyio's `free_tcp_port` ones".into(),
                applicability: Some(Applicability::Safe),
                docs: Docs {
                    what: "In a suite that moves to anyio's plugin, a test or fixture parameter named `unused_tcp_port`, `unused_udp_port`, `unused_tcp_port_factory` or `unused_udp_port_factory` becomes `free_tcp_port`, `free_udp_port`, `free_tcp_port_factory` or `free_udp_port_factory`, and so do the uses of that name in the function. A file that defines a fixture of the old name itself is left alone.".into(),
                    why: "These fixtures come with pytest-asyncio; once it is gone the tests fail with \"fixture 'unused_tcp_port' not found\". anyio's plugin provides the same under its own names.".into(),
                    fix_safety: "Safe: both give a port that was free when asked for (an `int`), and both factories are called with no argument to get another one.".into(),
                },
                examples: vec![Example {
                    before: "async def test_serve(unused_tcp_port):\n    await serve(port=unused_tcp_port)\n".into(),
                    after: "async def test_serve(free_tcp_port):\n    await serve(port=free_tcp_port)\n".into(),
                    unsafe_fixes: false,
                }],
            },
        }
    }
}

impl Transform for PortFixture {
    fn info(&self) -> &TransformInfo {
        &self.info
    }

    fn triggers(&self) -> Vec<Trigger> {
        vec![
            Trigger::Word("unused_tcp_port".into()),
            Trigger::Word("unused_udp_port".into()),
        ]
    }

    fn check(&self, cx: &FileContext, out: &mut Vec<Diagnostic>) {
        if !cx.targets.pytest.moves() {
            return;
        }
        let defs = cx.nodes_of_kind("function_definition");
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
                        (p.kind() == "attribute"
                            && p.child_by_field_name("attribute") == Some(node))
                            || (p.kind() == "keyword_argument"
                                && p.child_by_field_name("name") == Some(node))
                    });
                    if !other {
                        edits.push(Edit::replace(node.byte_range(), new));
                    }
                }
                out.push(
                    Diagnostic::new(
                        self.info.code,
                        format!("pytest-asyncio's `{old}` fixture becomes anyio's `{new}`"),
                        param.byte_range(),
                    )
                    .with_fix(Fix::new(edits, Applicability::Safe)),
                );
            }
        }
    }
}
