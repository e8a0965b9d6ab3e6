//! Rendering templates: metavariables replaced by the text they matched,
//! re-indented to where they land, never inside string literals.

use crate::{metavariables_in, Bindings};
use std::collections::HashMap;
use std::ops::Range;
use syntax::Node;

/// Text on its way into a file, with what re-indenting it needs: the
/// indentation of the line it started on, and which of its line starts lie
/// inside string literals (those are content, never touched).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Rendered {
    pub text: String,
    /// Offsets in `text` of line starts inside string literals.
    protected: Vec<usize>,
    /// Indentation of the line the text started on.
    base: String,
}

/// Leading spaces and tabs of a line.
fn leading_ws(line: &str) -> &str {
    &line[..line.len() - line.trim_start_matches([' ', '\t']).len()]
}

impl Rendered {
    /// The text of `range` in `src`; `strings` are the string-literal ranges of `src`.
    pub fn from_source(src: &str, range: Range<usize>, strings: &[Range<usize>]) -> Rendered {
        let line_start = syntax::line_start(src, range.start);
        let base = leading_ws(&src[line_start..range.start]).to_string();
        let text = src[range.clone()].to_string();
        let protected = text
            .match_indices('\n')
            .map(|(i, _)| i + 1)
            .filter(|&i| syntax::is_inside_string(strings, range.start + i))
            .collect();
        Rendered {
            text,
            protected,
            base,
        }
    }

    /// New text with no string literal spanning lines, starting at indentation `base`.
    pub fn literal(text: impl Into<String>, base: impl Into<String>) -> Rendered {
        Rendered {
            text: text.into(),
            protected: Vec::new(),
            base: base.into(),
        }
    }

    /// Appends `other` as it is.
    pub fn push(&mut self, other: &Rendered) {
        let shift = self.text.len();
        self.protected
            .extend(other.protected.iter().map(|p| p + shift));
        self.text.push_str(&other.text);
    }

    /// Appends plain text with no line inside a string.
    pub fn push_str(&mut self, s: &str) {
        self.text.push_str(s);
    }

    /// The same text moved to start on a line indented `to`: every
    /// continuation line indented at least as much as the base line is
    /// shifted by the difference; lines inside strings and blank lines stay.
    pub fn reindent(&self, to: &str) -> Rendered {
        if to == self.base || !self.text.contains('\n') {
            return Rendered {
                base: to.to_string(),
                ..self.clone()
            };
        }
        let mut out = Rendered {
            text: String::with_capacity(self.text.len() + 16),
            protected: Vec::new(),
            base: to.to_string(),
        };
        for (k, line) in self.text.split_inclusive('\n').enumerate() {
            let start = self.text_offset_of(line);
            if k > 0 && self.protected.binary_search(&start).is_ok() {
                out.protected.push(out.text.len());
                out.text.push_str(line);
                continue;
            }
            let ws = leading_ws(line);
            let content = &line[ws.len()..];
            if k == 0 || content.trim().is_empty() || !ws.starts_with(self.base.as_str()) {
                out.text.push_str(line);
            } else {
                out.text.push_str(to);
                out.text.push_str(&line[self.base.len()..]);
            }
        }
        out
    }

    fn text_offset_of(&self, line: &str) -> usize {
        line.as_ptr() as usize - self.text.as_ptr() as usize
    }
}

/// What a template is rendered against.
pub struct RenderEnv<'a> {
    /// The file's text, that bindings point into.
    pub src: &'a str,
    /// The string-literal ranges of `src`, sorted.
    pub strings: &'a [Range<usize>],
    /// One level of indentation in the file.
    pub indent_unit: &'a str,
    /// The file's newline.
    pub newline: &'a str,
    /// Extra placeholders (`$STATEMENT`) and their text.
    pub vars: HashMap<&'static str, Rendered>,
}

/// Node kinds that need parentheses before `.`, `(`, `[` or after `await`.
const LOOSE: &[&str] = &[
    "binary_operator",
    "boolean_operator",
    "not_operator",
    "comparison_operator",
    "conditional_expression",
    "lambda",
    "named_expression",
    "await",
    "unary_operator",
    "yield",
];

/// Renders `template` (four spaces per indentation level) with `bindings`.
/// The first line goes where the replaced code started; later lines get
/// `indent` (the indentation of that line) plus their own levels.
pub fn render(template: &str, bindings: &Bindings, env: &RenderEnv, indent: &str) -> Rendered {
    let template = template.strip_suffix('\n').unwrap_or(template);
    let mut lines = Vec::new();
    for (i, line) in template.split('\n').enumerate() {
        if i == 0 {
            lines.push(line.to_string());
            continue;
        }
        let spaces = line.len() - line.trim_start_matches(' ').len();
        let levels = spaces / 4;
        let rest = &line[levels * 4..];
        lines.push(format!("{indent}{}{rest}", env.indent_unit.repeat(levels)));
    }
    let normalized = lines.join(env.newline);

    let mut out = Rendered::literal(String::new(), indent);
    // Where the text not yet copied starts.
    let mut done = 0;
    for m in metavariables_in(&normalized) {
        out.push_str(&normalized[done..m.range.start]);
        done = m.range.end;
        let rest = &normalized[done..];
        let here = current_indent(&out.text, indent);
        if m.multi {
            match bindings.get_many(m.name) {
                Some([]) | None => {
                    // An empty run takes its separator with it.
                    if out.text.ends_with(", ") {
                        out.text.truncate(out.text.len() - 2);
                    } else if rest.starts_with(", ") {
                        done += 2;
                    }
                }
                Some(nodes) => {
                    let range = nodes[0].start_byte()..nodes[nodes.len() - 1].end_byte();
                    out.push(&Rendered::from_source(env.src, range, env.strings).reindent(&here));
                }
            }
        } else if let Some(node) = bindings.get(m.name) {
            let frag = Rendered::from_source(env.src, node.byte_range(), env.strings);
            let wrap = needs_parens(node, &out.text, rest);
            if wrap {
                out.push_str("(");
            }
            out.push(&frag.reindent(&here));
            if wrap {
                out.push_str(")");
            }
        } else if let Some(var) = env.vars.get(m.name) {
            out.push(&var.reindent(&here));
        } else {
            // Unknown names are kept: a template may contain a literal `$`.
            out.push_str(&normalized[m.range]);
        }
    }
    out.push_str(&normalized[done..]);
    out
}

fn needs_parens(node: Node, before: &str, after: &str) -> bool {
    LOOSE.contains(&node.kind())
        && (before.ends_with("await ") || after.starts_with(['.', '(', '[']))
}

/// The indentation of the line the output is on now.
fn current_indent(out: &str, first: &str) -> String {
    match out.rfind('\n') {
        Some(i) => leading_ws(&out[i + 1..]).to_string(),
        None => first.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Pattern, PatternKind, Resolver};

    struct Spelling;
    impl Resolver for Spelling {
        fn qualified(&self, node: Node, src: &str) -> Option<String> {
            Some(syntax::text(node, src).to_string())
        }
    }

    fn render_first(pattern: &str, template: &str, src: &str) -> String {
        let p = Pattern::compile(pattern, PatternKind::Expression).unwrap();
        let tree = syntax::parse(src);
        let strings = syntax::string_ranges(&tree);
        let (node, b) = syntax::preorder(tree.root_node())
            .find_map(|(n, _)| p.matches(n, src, &Spelling).map(|b| (n, b)))
            .expect("pattern matches");
        let line_start = syntax::line_start(src, node.start_byte());
        let indent = leading_ws(&src[line_start..]).to_string();
        let env = RenderEnv {
            src,
            strings: &strings,
            indent_unit: "    ",
            newline: "\n",
            vars: HashMap::new(),
        };
        render(template, &b, &env, &indent).text
    }

    #[test]
    fn substitutes_and_drops_empty_runs() {
        assert_eq!(
            render_first(
                "asyncio.run($F($$$A))",
                "anyio.run($F, $$$A)",
                "asyncio.run(main())\n"
            ),
            "anyio.run(main)"
        );
        assert_eq!(
            render_first(
                "asyncio.run($F($$$A))",
                "anyio.run($F, $$$A)",
                "asyncio.run(main(1, 2))\n"
            ),
            "anyio.run(main, 1, 2)"
        );
    }

    #[test]
    fn a_dollar_without_a_name_and_unknown_names_stay_as_written() {
        assert_eq!(
            render_first(
                "asyncio.sleep($T)",
                "f('$', '$$$ ', $T, $OTHER)",
                "asyncio.sleep(1)\n"
            ),
            "f('$', '$$$ ', 1, $OTHER)"
        );
    }

    #[test]
    fn wraps_loose_expressions_after_await() {
        assert_eq!(
            render_first(
                "asyncio.wait_for($X, None)",
                "await $X",
                "asyncio.wait_for(a or b, None)\n"
            ),
            "await (a or b)"
        );
    }

    #[test]
    fn indents_template_lines_and_fragments() {
        let src = "if x:\n    asyncio.shield(f(\n        1))\n";
        assert_eq!(
            render_first("asyncio.shield($X)", "with scope():\n    await $X", src),
            "with scope():\n        await f(\n            1)"
        );
    }

    #[test]
    fn string_contents_are_not_reindented() {
        let src = "if x:\n    asyncio.shield(f('''\n  keep\n'''))\n";
        assert_eq!(
            render_first("asyncio.shield($X)", "with scope():\n    await $X", src),
            "with scope():\n        await f('''\n  keep\n''')"
        );
    }
}
