//! AM206: `t = asyncio.create_task(f())` … `await t` in the same block
//! becomes a task group around that span.

use super::task_support::{exception_group_handlers, Handlers};
use crate::{Docs, Example, FileContext, Transform, TransformInfo, Trigger};
use edit::{Applicability, Diagnostic, Edit, Fix};
use syntax::{named_children, Node};

/// Tasks created and awaited in one block get a task group as their owner.
pub struct TaskThenAwait {
    info: TransformInfo,
}

impl TaskThenAwait {
    /// The transform with its docs.
    pub fn new() -> Self {
        TaskThenAwait {
            info: TransformInfo {
                code: "AM206",
                name: "create-task-await",
                summary: "`t = asyncio.create_task(f())` … `await t` in one block becomes a task group around that span".into(),
                applicability: Some(Applicability::Unsafe),
                docs: Docs {
                    what: "When `t = asyncio.create_task(f(x))` is followed, in the same block, by statements that use `t` only as `await t`, the statements from the first such creation to the last such await are wrapped in `async with anyio.create_task_group() as tg:`, and `asyncio.create_task` becomes `tg.create_task` (anyio 4.14+, whose task handle can be awaited for the result). Creations whose spans overlap share one group. A task used in any other way (`cancel()`, `done()`, callbacks, stored, returned, passed on) is left to AM901.".into(),
                    why: "Every task gets an owner that waits for it and sees its errors (structured concurrency).".into(),
                    fix_safety: "Unsafe: a failing task now cancels its siblings and its error surfaces when the group ends (as an ExceptionGroup), not at the `await`; and the group waits for every task it started before the code after it runs. Handlers of an enclosing `try` in the same function become `except*`, or the site is left alone.".into(),
                },
                examples: vec![Example {
                    before: "import asyncio\n\nasync def both():\n    t1 = asyncio.create_task(a())\n    t2 = asyncio.create_task(b())\n    r1 = await t1\n    r2 = await t2\n    return r1 + r2\n".into(),
                    after: "import anyio\n\nasync def both():\n    async with anyio.create_task_group() as tg:\n        t1 = tg.create_task(a())\n        t2 = tg.create_task(b())\n        r1 = await t1\n        r2 = await t2\n    return r1 + r2\n".into(),
                    unsafe_fixes: true,
                }],
            },
        }
    }
}

/// `name = asyncio.create_task(...)` as a statement: the name and the callee.
fn creation<'a>(stmt: Node<'a>, cx: &FileContext<'a>) -> Option<(&'a str, Node<'a>)> {
    if stmt.kind() != "expression_statement" {
        return None;
    }
    let assign = stmt.named_child(0).filter(|a| a.kind() == "assignment")?;
    let left = assign
        .child_by_field_name("left")
        .filter(|l| l.kind() == "identifier")?;
    let call = assign
        .child_by_field_name("right")
        .filter(|r| r.kind() == "call")?;
    let func = call.child_by_field_name("function")?;
    (cx.qualified(func).as_deref() == Some("asyncio.create_task")).then(|| (cx.text(left), func))
}

impl Transform for TaskThenAwait {
    fn info(&self) -> &TransformInfo {
        &self.info
    }

    fn triggers(&self) -> Vec<Trigger> {
        // Nothing is looked at without a call ending in `create_task`.
        vec![Trigger::name("asyncio.create_task")]
    }

    fn check(&self, cx: &FileContext, out: &mut Vec<Diagnostic>) {
        if cx.targets.anyio < (4, 14) {
            return;
        }
        // Spans start at a statement `name = <…create_task>(…)`: only the
        // blocks holding such a call as a statement's right side can have one.
        let holders: Vec<usize> = cx
            .nodes_ending_in("call", "create_task")
            .iter()
            .filter_map(|call| call.parent()?.parent()?.parent())
            .map(|block| block.id())
            .collect();
        if holders.is_empty() {
            return;
        }
        for &block in cx
            .nodes_of_kind("block")
            .iter()
            .filter(|b| holders.contains(&b.id()))
        {
            let stmts: Vec<Node> = named_children(block)
                .into_iter()
                .filter(|c| c.kind() != "comment")
                .collect();
            // (first statement, last statement) of each creation's span.
            let mut spans: Vec<(usize, usize, Node)> = Vec::new();
            for (i, stmt) in stmts.iter().enumerate() {
                let Some((name, func)) = creation(*stmt, cx) else {
                    continue;
                };
                if let Some(last) = awaited_only(name, i, &stmts, block, cx) {
                    spans.push((i, last, func));
                }
            }
            // Overlapping spans share one group.
            let mut groups: Vec<(usize, usize, Vec<Node>)> = Vec::new();
            for (s, e, f) in spans {
                match groups.last_mut() {
                    Some(g) if s <= g.1 => {
                        g.1 = g.1.max(e);
                        g.2.push(f);
                    }
                    _ => groups.push((s, e, vec![f])),
                }
            }
            for (s, e, funcs) in groups {
                let first = stmts[s];
                let last = stmts[e];
                if !cx.owns_its_lines(first) || !cx.owns_its_lines(last) {
                    continue;
                }
                let diag = Diagnostic::new(
                    self.info.code,
                    "tasks created and awaited here get a task group as their owner",
                    first.start_byte()..last.end_byte(),
                );
                let handlers = match exception_group_handlers(first, cx) {
                    Handlers::Untouched => Vec::new(),
                    Handlers::Rewrite(e) => e,
                    Handlers::Blocked(why) => {
                        out.push(Diagnostic { message: format!("tasks created and awaited here cannot get a task group automatically: {why}"), ..diag });
                        continue;
                    }
                };
                let tg = cx.fresh_name("tg", &[]);
                let indent = cx.indent_at(first.start_byte());
                let unit = cx.style.indent.as_str();
                let nl = cx.style.newline.as_str();
                let mut edits = vec![Edit::insert(
                    first.start_byte(),
                    format!("async with anyio.create_task_group() as {tg}:{nl}{indent}{unit}"),
                )];
                // Every later line of the span moves one level in (not lines inside strings, not blank ones).
                let mut pos = first.start_byte();
                while let Some(i) = cx.src[pos..last.end_byte()].find('\n') {
                    let line_start = pos + i + 1;
                    pos = line_start;
                    let line = cx.src[line_start..].split('\n').next().unwrap_or("");
                    if line.trim().is_empty() || syntax::is_inside_string(&cx.strings, line_start) {
                        continue;
                    }
                    edits.push(Edit::insert(line_start, unit));
                }
                for f in &funcs {
                    edits.push(Edit::replace(f.byte_range(), format!("{tg}.create_task")));
                }
                edits.extend(handlers);
                let scope = first.start_byte()..last.end_byte();
                out.push(
                    diag.with_fix(
                        Fix::new(edits, Applicability::Unsafe)
                            .with_imports(["anyio"])
                            .with_scope(scope),
                    ),
                );
            }
        }
    }
}

/// The index of the last statement that awaits `name`, when every use of
/// `name` after its creation (in this block, outside nested functions) is
/// `await name` and nothing rebinds it; `None` otherwise.
fn awaited_only(
    name: &str,
    created: usize,
    stmts: &[Node],
    block: Node,
    cx: &FileContext,
) -> Option<usize> {
    let mut last = None;
    for (k, stmt) in stmts.iter().enumerate().skip(created + 1) {
        for (n, _) in syntax::preorder(*stmt) {
            if n.kind() != "identifier" || cx.text(n) != name {
                continue;
            }
            let awaited = n.parent().is_some_and(|p| p.kind() == "await");
            let nested = syntax::enclosing(n, &["function_definition", "lambda"])
                .is_some_and(|f| f.start_byte() > block.start_byte());
            if !awaited || nested {
                return None;
            }
            last = Some(k);
        }
    }
    // Used after the block (e.g. returned at the end of an outer block)?
    let scope = syntax::enclosing(block, &["function_definition"])?;
    // Shared with an enclosing scope, or a `yield` inside the span (a task
    // group cannot stay open across a yield of an async generator).
    let shared = syntax::preorder(scope).any(|(n, _)| {
        matches!(n.kind(), "nonlocal_statement" | "global_statement")
            && syntax::named_children(n)
                .iter()
                .any(|c| cx.text(*c) == name)
    });
    let yields = last.is_some_and(|l| {
        stmts[created..=l]
            .iter()
            .any(|s| syntax::preorder(*s).any(|(n, _)| n.kind() == "yield"))
    });
    if shared || yields {
        return None;
    }
    let outside = syntax::preorder(scope).any(|(n, _)| {
        n.kind() == "identifier"
            && cx.text(n) == name
            && !(block.start_byte() <= n.start_byte() && n.end_byte() <= block.end_byte())
    });
    if outside {
        return None;
    }
    last
}
