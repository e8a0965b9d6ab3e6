//! AM203: `results = await asyncio.gather(*(f(u) for u in us))` becomes the
//! `fetch_all` shape of anyio code: pre-allocated results filled by a helper that
//! each task runs.

use super::task_support::{
    anyio_gather, block, exception_group_handlers, gather_shape, spawn, Each, GatherShape,
};
use super::task_support::{
    caller_catching_bare, inside_try, name_used_elsewhere, returns_exceptions,
};
use crate::{FileContext, Trigger};
use edit::{Applicability, Diagnostic, Edit, Fix};
use syntax::arguments;
use syntax::Node;

/// The code of this rule's transform file.
pub(super) const CODE: &str = "AM203";

/// anyio 4.15's forms: `await anyio.amap(f, us)` for `f(u) for u in us`,
/// else `list(await anyio.gather(...))` over the same coroutine objects.
fn with_anyio_4_15(call: Node, stmt: Node, each: &Each, cx: &FileContext) -> Diagnostic {
    let awaited = call.parent().expect("a collected gather is awaited");
    let func = each.call.child_by_field_name("function");
    let spawned = spawn(each.call, cx);
    let sole_arg = matches!(arguments(each.call).as_slice(),
        [a] if a.kind() == "identifier" && cx.text(*a) == cx.text(each.var));
    let amap = func.filter(|f| {
        sole_arg && spawned.is_some() && cx.qualified(*f).is_none_or(|q| !q.starts_with("asyncio."))
    });
    let Some(func) = amap else {
        let diag = Diagnostic::new(
            CODE,
            "`asyncio.gather` over a comprehension becomes `anyio.gather`",
            awaited.byte_range(),
        );
        return match anyio_gather(call, awaited, true, cx) {
            Ok((fix, note)) => Diagnostic {
                message: format!("{} in `list(...)` (it returns a tuple){note}", diag.message),
                ..diag
            }
            .with_fix(fix),
            Err(why) => Diagnostic {
                message: format!("`asyncio.gather` over a comprehension: {why}"),
                ..diag
            },
        };
    };
    let f = cx.text(func);
    let diag = Diagnostic::new(
        CODE,
        format!("`asyncio.gather` over a comprehension becomes `anyio.amap({f}, …)`"),
        stmt.byte_range(),
    );
    let new_text = format!("await anyio.amap({f}, {})", cx.text(each.iterable));
    let mut edits = vec![Edit::replace(awaited.byte_range(), new_text)];
    match exception_group_handlers(stmt, cx) {
        Ok(e) => edits.extend(e),
        Err(why) => {
            return Diagnostic {
                message: format!(
                    "`asyncio.gather` cannot become `anyio.amap` automatically: {why}"
                ),
                ..diag
            }
        }
    }
    let mut message = diag.message.clone();
    let mut applicability = Applicability::Safe;
    if !spawned.is_some_and(|s| s.known_coroutine) {
        applicability = Applicability::Unsafe;
        message.push_str(&format!(
            " (assumes `{f}` returns a coroutine, as a coroutine function does)"
        ));
    }
    if cx
        .dropped_comment(awaited.byte_range(), &edits[0].content)
        .is_some()
    {
        applicability = Applicability::Unsafe;
        message.push_str(crate::DROPS_COMMENT);
    }
    if let Some(handler) = caller_catching_bare(stmt, cx) {
        applicability = Applicability::Unsafe;
        message.push_str(&format!(" (a caller's {handler} catches the bare error, which now arrives inside an `ExceptionGroup`)"));
    }
    Diagnostic { message, ..diag }.with_fix(Fix::new(edits, applicability).with_imports(["anyio"]))
}

pub(super) fn triggers() -> Vec<Trigger> {
    vec![Trigger::name("asyncio.gather")]
}

pub(super) fn check(cx: &FileContext, out: &mut Vec<Diagnostic>) {
    // One rewrite per function a round: the next one then sees the names
    // this one introduced and picks fresh ones.
    let mut rewritten: Vec<usize> = Vec::new();
    for call in cx.calls_to("asyncio.gather") {
        let GatherShape::Collected { stmt, target, each } = gather_shape(call, cx) else {
            continue;
        };
        if cx.targets.anyio >= (4, 15) && returns_exceptions(call, cx) == Some(false) {
            out.push(with_anyio_4_15(call, stmt, &each, cx));
            continue;
        }
        let diag = Diagnostic::new(
            CODE,
            "`asyncio.gather` over a comprehension becomes a task group filling a list",
            stmt.byte_range(),
        );
        if spawn(each.call, cx).is_none() {
            out.push(Diagnostic { message: "`asyncio.gather` over a comprehension of calls that are not of a plain function".into(), ..diag });
            continue;
        }
        // Arguments are evaluated inside each task now: only names,
        // attributes and literals keep their order and count.
        let plain = |n: Node| {
            matches!(
                n.kind(),
                "identifier"
                    | "attribute"
                    | "integer"
                    | "float"
                    | "string"
                    | "true"
                    | "false"
                    | "none"
            )
        };
        let simple = arguments(each.call).iter().all(|a| {
            plain(*a)
                || (a.kind() == "keyword_argument"
                    && a.child_by_field_name("value").is_some_and(plain))
        });
        if !simple {
            out.push(Diagnostic { message: "`asyncio.gather` over a comprehension whose call computes its arguments (they would be evaluated inside the tasks)".into(), ..diag });
            continue;
        }
        if target.is_some_and(|t| cx.text(t) == cx.text(each.var)) {
            out.push(Diagnostic {
                message: "`asyncio.gather` whose result is assigned to its own loop variable"
                    .into(),
                ..diag
            });
            continue;
        }
        // A failing gather never assigns its target; the rewrite fills it
        // while the tasks run, which a handler in this function would see.
        if inside_try(stmt) {
            out.push(Diagnostic { message: "`asyncio.gather` over a comprehension inside a `try`: the result list would be partly filled when a task fails".into(), ..diag });
            continue;
        }
        let handlers = match exception_group_handlers(stmt, cx) {
            Ok(e) => e,
            Err(why) => {
                out.push(Diagnostic {
                    message: format!(
                        "`asyncio.gather` cannot become a task group automatically: {why}"
                    ),
                    ..diag
                });
                continue;
            }
        };
        let scope = syntax::enclosing(stmt, &["function_definition"]).map_or(0, |f| f.id());
        if rewritten.contains(&scope) {
            continue;
        }
        let var = cx.text(each.var);
        // `return await gather(...)` returns the list it fills.
        let results = match target {
            Some(t) => cx.text(t).to_string(),
            None => cx.fresh_name(stmt, "results", &[]),
        };
        let fname = cx.text(
            each.call
                .child_by_field_name("function")
                .expect("spawned call has a function"),
        );
        let short = fname
            .rsplit('.')
            .next()
            .unwrap_or(fname)
            // `__aenter__` gives `_aenter_one`.
            .trim_matches('_');
        let comprehension = each.call.parent().expect("a comprehension holds the call");
        // Names the comprehension alone uses are free for the loop that replaces it.
        let free = |name: &str| !name_used_elsewhere(stmt, name, comprehension, cx);
        let helper = cx.fresh_name(stmt, &format!("_{short}_one"), &[]);
        let i = if var != "i" && free("i") {
            "i".to_string()
        } else {
            cx.fresh_name(stmt, "index", std::slice::from_ref(&helper))
        };
        let tg = cx.fresh_name(stmt, "tg", &[helper.clone(), i.clone()]);
        let iterable = cx.text(each.iterable);
        let mut lines = Vec::new();
        // The builtins the new code calls, through `builtins.` where the
        // module (or the function) binds a name of its own.
        let mut imports = vec!["anyio"];
        let mut builtin = |name: &str| {
            if cx.model.lookup(name, stmt).is_some() {
                imports.push("builtins");
                format!("builtins.{name}")
            } else {
                name.to_string()
            }
        };
        let (list, len, enumerate) = (builtin("list"), builtin("len"), builtin("enumerate"));
        imports.dedup();
        // A parameter typed as a sequence is read as it is; anything else is
        // materialised once: it may be unsized, or a display whose elements
        // must not be evaluated twice.
        let sequence = sequence_parameter(each.iterable, stmt, cx);
        let items = match sequence {
            Some(_) => iterable.to_string(),
            None => {
                let items = cx.fresh_name(stmt, "items", &[helper.clone(), i.clone(), tg.clone()]);
                lines.push((0, format!("{items} = {list}({iterable})")));
                items
            }
        };
        // `return_exceptions=True`: an exception takes the result's place.
        let swallow = returns_exceptions(call, cx) == Some(true);
        // Typed code gets typed new code, as in hand-written anyio code.
        let element = sequence.flatten();
        match result_type(each.call, stmt, cx) {
            Some(r) => {
                let r = if swallow {
                    format!("{r} | Exception")
                } else {
                    r.to_string()
                };
                lines.push((
                    0,
                    format!(
                        "{results}: list[{r}] = [None] * {len}({items})  # type: ignore[list-item]"
                    ),
                ));
            }
            None => lines.push((0, format!("{results} = [None] * {len}({items})"))),
        }
        lines.push((0, String::new()));
        match element {
            Some(t) => lines.push((
                0,
                format!("async def {helper}({i}: int, {var}: {t}) -> None:"),
            )),
            None => lines.push((0, format!("async def {helper}({i}, {var}):"))),
        }
        if swallow {
            let exc = cx.fresh_name(
                stmt,
                "exc",
                &[helper.clone(), i.clone(), tg.clone(), items.clone()],
            );
            lines.push((1, "try:".into()));
            lines.push((2, format!("{results}[{i}] = await {}", cx.text(each.call))));
            lines.push((1, format!("except Exception as {exc}:")));
            lines.push((2, format!("{results}[{i}] = {exc}")));
        } else {
            lines.push((1, format!("{results}[{i}] = await {}", cx.text(each.call))));
        }
        lines.push((0, String::new()));
        lines.push((0, format!("async with anyio.create_task_group() as {tg}:")));
        // The comprehension's own variable where the function has no other
        // use for it (it did not leak out of the comprehension).
        let taken = [
            helper.clone(),
            i.clone(),
            tg.clone(),
            items.clone(),
            results.clone(),
        ];
        let item = if free(var) && !taken.iter().any(|t| t == var) {
            var.to_string()
        } else {
            cx.fresh_name(stmt, "item", &taken)
        };
        lines.push((1, format!("for {i}, {item} in {enumerate}({items}):")));
        lines.push((2, format!("{tg}.start_soon({helper}, {i}, {item})")));
        if target.is_none() {
            lines.push((0, format!("return {results}")));
        }
        let indent = cx.indent_at(stmt.start_byte());
        let new_text = block(&lines, indent, cx);
        let known = spawn(each.call, cx).is_some_and(|s| s.known_coroutine);
        let caller = caller_catching_bare(stmt, cx);
        let drops_comment = cx.dropped_comment(stmt.byte_range(), &new_text).is_some();
        let applicability = if swallow || !known || caller.is_some() || drops_comment {
            Applicability::Unsafe
        } else {
            Applicability::Safe
        };
        let diag = if !known && !swallow {
            let f = cx.text(
                each.call
                    .child_by_field_name("function")
                    .expect("spawned call has a function"),
            );
            Diagnostic {
                message: format!(
                    "{} (assumes `{f}` returns a coroutine, as a coroutine function does)",
                    diag.message
                ),
                ..diag
            }
        } else if swallow {
            Diagnostic {
                message: format!("{} (`return_exceptions=True`: exceptions are stored in the list as before, but a `BaseException` such as a cancellation is not)", diag.message),
                ..diag
            }
        } else {
            diag
        };
        let diag = match caller {
            Some(handler) => Diagnostic {
                message: format!("{} (a caller's {handler} catches the bare error, which now arrives inside an `ExceptionGroup`)", diag.message),
                ..diag
            },
            None => diag,
        };
        let diag = if drops_comment {
            Diagnostic {
                message: format!("{}{}", diag.message, crate::DROPS_COMMENT),
                ..diag
            }
        } else {
            diag
        };
        let mut edits = vec![Edit::replace(stmt.byte_range(), new_text)];
        edits.extend(handlers);
        rewritten.push(scope);
        out.push(diag.with_fix(Fix::new(edits, applicability).with_imports(imports)));
    }
}

/// Sequence annotations whose value `len()` and `enumerate()` read as they
/// are (a copy would only repeat them).
const SEQUENCES: &[&str] = &[
    "list",
    "tuple",
    "List",
    "Tuple",
    "Sequence",
    "MutableSequence",
    "typing.List",
    "typing.Tuple",
    "typing.Sequence",
    "typing.MutableSequence",
    "collections.abc.Sequence",
    "collections.abc.MutableSequence",
];

/// When `iterable` is a parameter of the function around `stmt` annotated
/// as a sequence (`urls: list[str]`) that the function never rebinds:
/// `Some`, with the element type when the annotation names one (`str`).
fn sequence_parameter<'a>(
    iterable: Node,
    stmt: Node,
    cx: &FileContext<'a>,
) -> Option<Option<&'a str>> {
    if iterable.kind() != "identifier" {
        return None;
    }
    let name = cx.text(iterable);
    let func = syntax::enclosing(stmt, &["function_definition"])?;
    if let Some(local) = sequence_local(name, func, stmt, cx) {
        return Some(local);
    }
    let params = func.child_by_field_name("parameters")?;
    let param = syntax::named_children(params).into_iter().find(|p| {
        matches!(p.kind(), "typed_parameter" | "typed_default_parameter")
            && p.named_child(0).is_some_and(|n| {
                n.kind() == "identifier" && cx.text(n) == name
                    || p.child_by_field_name("name")
                        .is_some_and(|n| cx.text(n) == name)
            })
    })?;
    let annotation = cx.text(param.child_by_field_name("type")?);
    let (head, args) = match annotation.split_once('[') {
        Some((head, rest)) => (head.trim(), Some(rest.strip_suffix(']')?.trim())),
        None => (annotation.trim(), None),
    };
    if !SEQUENCES.contains(&head) {
        return None;
    }
    let rebound = syntax::preorder(func.child_by_field_name("body")?)
        .any(|(n, _)| n.kind() == "identifier" && cx.text(n) == name && binds(n));
    if rebound {
        return None;
    }
    let element = args.and_then(|a| {
        let a = if head.ends_with("uple") || head.ends_with("Tuple") {
            a.strip_suffix("...")?
                .trim_end()
                .strip_suffix(',')?
                .trim_end()
        } else {
            a
        };
        (!a.contains(',')).then_some(a)
    });
    Some(element)
}

/// When `name` is a local of `func` bound once, before `stmt`, to a list or
/// tuple display, a list comprehension or a builtin's new sequence
/// (`ids = [1, 2, 3]`, `ids = list(range(9))`): `Some`, with
/// the element type when its annotation names one (`ids: list[int] = ...`).
fn sequence_local<'a>(
    name: &str,
    func: Node,
    stmt: Node,
    cx: &FileContext<'a>,
) -> Option<Option<&'a str>> {
    let body = func.child_by_field_name("body")?;
    let mut bindings = syntax::preorder(body)
        .filter(|(n, _)| n.kind() == "identifier" && cx.text(*n) == name && binds(*n))
        .map(|(n, _)| n);
    let (Some(target), None) = (bindings.next(), bindings.next()) else {
        return None;
    };
    let assign = target.parent().filter(|a| a.kind() == "assignment")?;
    let value = assign.child_by_field_name("right")?;
    // `list(...)`, `sorted(...)`, `tuple(...)` of the builtins make one too.
    let built = value.kind() == "call"
        && value
            .child_by_field_name("function")
            .filter(|f| f.kind() == "identifier")
            .is_some_and(|f| {
                matches!(cx.text(f), "list" | "sorted" | "tuple")
                    && cx.model.lookup(cx.text(f), stmt).is_none()
            });
    if !(built || matches!(value.kind(), "list" | "tuple" | "list_comprehension"))
        || assign.end_byte() > stmt.start_byte()
        || syntax::enclosing(assign, &["function_definition", "lambda"]) != Some(func)
    {
        return None;
    }
    let element = assign
        .child_by_field_name("type")
        .map(|t| cx.text(t))
        .and_then(|t| t.strip_prefix("list[")?.strip_suffix(']'))
        .filter(|e| !e.contains(','));
    Some(element.map(str::trim))
}

/// Whether an identifier is bound there: a target of an assignment, of a
/// `for`, of `:=`, of `as`, or deleted.
fn binds(n: Node) -> bool {
    let mut cur = n;
    while let Some(p) = cur.parent() {
        match p.kind() {
            "pattern_list" | "tuple_pattern" | "list_pattern" | "list_splat_pattern" => cur = p,
            "assignment" | "augmented_assignment" | "for_statement" | "for_in_clause" => {
                return p.child_by_field_name("left") == Some(cur)
            }
            "named_expression" => return p.child_by_field_name("name") == Some(cur),
            "as_pattern_target" | "delete_statement" | "global_statement"
            | "nonlocal_statement" => return true,
            _ => return false,
        }
    }
    false
}

/// The return annotation of the module's `async def` that `call` calls by
/// its plain name (`-> str` of `fetch`), when there is one such definition.
fn result_type<'a>(call: Node, stmt: Node, cx: &FileContext<'a>) -> Option<&'a str> {
    let func = call.child_by_field_name("function")?;
    if func.kind() != "identifier" {
        return None;
    }
    let name = cx.text(func);
    let defs: Vec<Node> = cx
        .nodes_of_kind(syntax::kinds().function_definition)
        .iter()
        .filter(|d| {
            d.child_by_field_name("name")
                .is_some_and(|n| cx.text(n) == name)
        })
        .copied()
        .collect();
    let [def] = defs.as_slice() else { return None };
    // The definition the name means here: the module's own (a local or
    // imported name of the same spelling is another function).
    let module_level = def.parent().is_some_and(|p| {
        p.kind() == "module"
            || p.kind() == "decorated_definition"
                && p.parent().is_some_and(|g| g.kind() == "module")
    });
    if !(module_level && syntax::is_async_def(*def)) {
        return None;
    }
    if !matches!(cx.model.lookup(name, stmt), Some(semantic::Binding::Other)) {
        return None;
    }
    def.child_by_field_name("return_type").map(|t| cx.text(t))
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::*;

    #[test]
    fn a_comprehension_over_one_call_becomes_amap() {
        let src = "import asyncio\n\nasync def f(u): ...\n\nasync def main(us):\n    rs = await asyncio.gather(*(f(u) for u in us))\n    return rs\n";
        let found = run("AM203", src);
        assert_fixes(
            &found,
            "`asyncio.gather` over a comprehension becomes `anyio.amap(f, …)`",
            "import asyncio\n\nasync def f(u): ...\n\nasync def main(us):\n    rs = await anyio.amap(f, us)\n    return rs\n",
            edit::Applicability::Safe,
        );
    }

    #[test]
    fn a_gather_of_listed_calls_is_not_its_own() {
        let src = "import asyncio\n\nasync def f(u): ...\n\nasync def main():\n    rs = await asyncio.gather(f(1), f(2))\n    return rs\n";
        assert!(run("AM203", src).is_empty());
    }
}
