//! AM106: `async with asyncio.timeout(T) as cm:` whose timeout object is
//! only rescheduled, asked for its deadline or whether it expired becomes
//! `with anyio.fail_after(T) as cm:` and the cancel scope's API.

use super::task_support::{compared, method_call, sole_async_with_item};
use crate::conditions::Condition;
use crate::{FileContext, Trigger};
use edit::{Applicability, Diagnostic, Edit, Fix};
use syntax::{arguments, named_children, preorder, Node};

/// The code of this rule's transform file.
pub(super) const CODE: &str = "AM106";

pub(super) fn triggers() -> Vec<Trigger> {
    vec![
        Trigger::name("asyncio.timeout"),
        Trigger::name("async_timeout.timeout"),
    ]
}

/// Each flavour's constructor, the rule whose general report a finding
/// here replaces, and the methods that have a cancel-scope form.
const FLAVOURS: [(Flavour, &str, &str, &str); 2] = [
    (
        Flavour::Asyncio,
        "asyncio.timeout",
        "AM103",
        "`reschedule(…)`, `when()` and `expired()` after the block",
    ),
    (
        Flavour::AsyncTimeout,
        "async_timeout.timeout",
        "AM104",
        "`update(…)`, `shift(d)`, `reject()`, `deadline` and `expired` after the block",
    ),
];

/// Whose timeout object it is: asyncio's (`reschedule()`, `when()`,
/// `expired()`) or async-timeout's (`update()`, `shift()`, `reject()`, and
/// the `deadline` and `expired` properties).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Flavour {
    Asyncio,
    AsyncTimeout,
}

/// Whether `value` is a number, or arithmetic: never `None` at run time.
fn is_number(value: Node) -> bool {
    matches!(
        value.kind(),
        "integer" | "float" | "binary_operator" | "unary_operator"
    )
}

/// The comparison `read is None` / `read is not None` (either side) and
/// the operator it becomes against `math.inf`.
fn none_test<'t>(read: Node<'t>, cx: &FileContext) -> Option<(Node<'t>, &'static str)> {
    let (cmp, _, op) = compared(read).filter(|(_, other, _)| other.kind() == "none")?;
    match cx.text(op) {
        "is" | "==" => Some((cmp, "==")),
        "is not" | "!=" => Some((cmp, "!=")),
        _ => None,
    }
}

/// What the timeout object's uses become, or why they cannot.
struct Uses {
    edits: Vec<Edit>,
    /// Why the rewrite may differ (`None`: it may not).
    unsafe_because: Option<String>,
    needs_math: bool,
}

/// The edits for every use of the timeout object `name` in `func`: only
/// `name.reschedule(x)` as a statement, `name.when()`, and
/// `name.expired()` after the block are mapped; `Err` quotes another use.
fn map_uses(
    func: Node,
    stmt: Node,
    target: Node,
    delay: Option<Node>,
    flavour: Flavour,
    cx: &FileContext,
) -> Result<Uses, String> {
    let name = cx.text(target);
    let mut uses = Uses {
        edits: Vec::new(),
        unsafe_because: None,
        needs_math: false,
    };
    let mut reads_deadline = false;
    let mut may_clear = false;
    for (n, _) in preorder(func) {
        if n.kind() != "identifier" || n.id() == target.id() || cx.text(n) != name {
            continue;
        }
        // The expression that uses it: `cm.x(...)`, or the call it is passed to.
        let quoted = || {
            let at = n
                .parent()
                .and_then(|p| match p.kind() {
                    "attribute" | "argument_list" => p.parent(),
                    _ => None,
                })
                .unwrap_or(n);
            cx.text(at).to_string()
        };
        if syntax::enclosing_scope(n) != Some(func) {
            return Err(quoted());
        }
        // async-timeout's properties: `cm.expired`, `cm.deadline`.
        let property = n
            .parent()
            .filter(|a| a.kind() == "attribute" && a.child_by_field_name("object") == Some(n))
            .filter(|a| a.parent().is_none_or(|c| c.kind() != "call"));
        if let Some(attr) = property.filter(|_| flavour == Flavour::AsyncTimeout) {
            let member = attr.child_by_field_name("attribute").map(|m| cx.text(m));
            match member {
                Some("expired") if attr.start_byte() >= stmt.end_byte() => {
                    uses.edits.push(Edit::replace(
                        attr.byte_range(),
                        format!("{name}.cancelled_caught"),
                    ));
                }
                Some("deadline") => match none_test(attr, cx) {
                    Some((cmp, op)) => {
                        uses.needs_math = true;
                        uses.edits.push(Edit::replace(
                            cmp.byte_range(),
                            format!("{name}.deadline {op} math.inf"),
                        ));
                    }
                    None => reads_deadline = true,
                },
                _ => return Err(quoted()),
            }
            continue;
        }
        let Some(call) = n
            .parent()
            .filter(|a| a.kind() == "attribute" && a.child_by_field_name("object") == Some(n))
            .and_then(|a| a.parent())
            .filter(|c| c.kind() == "call")
        else {
            return Err(quoted());
        };
        let Some((_, method)) = method_call(call, cx) else {
            return Err(quoted());
        };
        let args = arguments(call);
        let statement = call
            .parent()
            .is_some_and(|s| s.kind() == "expression_statement" && named_children(s).len() == 1);
        let method = match (flavour, method) {
            (Flavour::AsyncTimeout, "update") => "reschedule",
            (Flavour::AsyncTimeout, "reschedule" | "when" | "expired") => "",
            (_, m) => m,
        };
        match (method, args.as_slice()) {
            // async-timeout: no deadline, or one moved by a delay.
            ("reject", []) if flavour == Flavour::AsyncTimeout && statement => {
                uses.needs_math = true;
                may_clear = true;
                uses.edits.push(Edit::replace(
                    call.byte_range(),
                    format!("{name}.deadline = math.inf"),
                ));
            }
            ("shift", [delta])
                if flavour == Flavour::AsyncTimeout && statement && is_number(*delta) =>
            {
                uses.edits.push(Edit::replace(
                    call.start_byte()..delta.start_byte(),
                    format!("{name}.deadline += "),
                ));
                uses.edits
                    .push(Edit::replace(delta.end_byte()..call.end_byte(), ""));
            }
            ("reschedule", [when]) if when.kind() != "keyword_argument" => {
                let stmt_of_call = call.parent().filter(|s| {
                    s.kind() == "expression_statement" && named_children(*s).len() == 1
                });
                if stmt_of_call.is_none() {
                    return Err(quoted());
                }
                if when.kind() == "none" {
                    uses.needs_math = true;
                    may_clear = true;
                    uses.edits.push(Edit::replace(
                        call.byte_range(),
                        format!("{name}.deadline = math.inf"),
                    ));
                    continue;
                }
                // async-timeout's `update()` takes a number only.
                if !is_number(*when) && flavour == Flavour::Asyncio {
                    may_clear = true;
                    uses.unsafe_because.get_or_insert_with(|| {
                        format!("`{}` may be `None` at run time: `reschedule(None)` means no deadline, for which anyio's `deadline` takes `math.inf`", cx.text(*when))
                    });
                }
                uses.edits.push(Edit::replace(
                    call.start_byte()..when.start_byte(),
                    format!("{name}.deadline = "),
                ));
                uses.edits
                    .push(Edit::replace(when.end_byte()..call.end_byte(), ""));
            }
            ("when", []) if flavour == Flavour::Asyncio => {
                // `cm.when() is None`: whether there is a deadline at all.
                if let Some((cmp, op)) = none_test(call, cx) {
                    uses.needs_math = true;
                    uses.edits.push(Edit::replace(
                        cmp.byte_range(),
                        format!("{name}.deadline {op} math.inf"),
                    ));
                    continue;
                }
                reads_deadline = true;
                uses.edits
                    .push(Edit::replace(call.byte_range(), format!("{name}.deadline")));
            }
            ("expired", [])
                if flavour == Flavour::Asyncio && call.start_byte() >= stmt.end_byte() =>
            {
                uses.edits.push(Edit::replace(
                    call.byte_range(),
                    format!("{name}.cancelled_caught"),
                ));
            }
            _ => return Err(cx.text(call).to_string()),
        }
    }
    if reads_deadline && (may_clear || !delay.is_some_and(is_number)) {
        let read = match flavour {
            Flavour::Asyncio => "when()",
            Flavour::AsyncTimeout => "deadline",
        };
        uses.unsafe_because.get_or_insert_with(|| {
            format!("`{name}.{read}` is `None` when there is no deadline, where the scope's `{name}.deadline` is `math.inf`")
        });
    }
    Ok(uses)
}

pub(super) fn check(cx: &FileContext, out: &mut Vec<Diagnostic>) {
    for (flavour, constructor, general, mapped) in FLAVOURS {
        check_flavour(flavour, constructor, general, mapped, cx, out);
    }
}

/// The findings for the timeouts `constructor` makes.
fn check_flavour(
    flavour: Flavour,
    constructor: &str,
    general: &'static str,
    mapped: &str,
    cx: &FileContext,
    out: &mut Vec<Diagnostic>,
) {
    for call in cx.calls_to(constructor) {
        let Some((stmt, target)) = sole_async_with_item(call) else {
            continue;
        };
        let (Some(func), Some(body), Some(callee)) = (
            syntax::enclosing_scope(stmt).filter(|f| syntax::is_async_def(*f)),
            stmt.child_by_field_name("body"),
            call.child_by_field_name("function"),
        ) else {
            continue;
        };
        // A scope cannot stay open across a generator's `yield` (AM103 says why).
        let yields = preorder(body)
            .any(|(n, _)| n.kind() == "yield" && syntax::enclosing_scope(n) == Some(func));
        if yields {
            continue;
        }
        let args = arguments(call);
        let delay = match args.as_slice() {
            [d] if d.kind() != "keyword_argument" => Some(*d),
            [d] => d.child_by_field_name("value"),
            _ => continue,
        };
        let name = cx.text(target);
        let uses = match map_uses(func, stmt, target, delay, flavour, cx) {
            Ok(u) => u,
            Err(used) => {
                out.push(
                    Diagnostic::new(
                        CODE,
                        format!("`{constructor}` whose timeout object is used as `{used}`: only {mapped} have a cancel-scope form"),
                        call.byte_range(),
                    )
                    .with_hint(format!("use `with anyio.fail_after(delay) as {name}:`; the cancel scope has `deadline` (settable; `math.inf` for none), `cancel_called` and `cancelled_caught`"))
                    .superseding(general),
                );
                continue;
            }
        };
        let mut edits = vec![Edit::replace(
            stmt.start_byte()..callee.end_byte(),
            "with anyio.fail_after",
        )];
        edits.extend(uses.edits);
        let mut applicability = Applicability::Safe;
        let mut message = match flavour {
            Flavour::Asyncio => format!(
                "`asyncio.timeout` becomes `anyio.fail_after`, and `{name}` its cancel scope (`reschedule(d)` sets `deadline`, `expired()` is `cancelled_caught`)"
            ),
            Flavour::AsyncTimeout => format!(
                "`async_timeout.timeout` becomes `anyio.fail_after`, and `{name}` its cancel scope (`update(d)` sets `deadline`, `expired` is `cancelled_caught`)"
            ),
        };
        let mut because = uses.unsafe_because;
        if !Condition::NoCleanupAwaits.holds(&[body], cx.src) {
            because.get_or_insert_with(|| {
                "the block awaits in an `except` or `finally` clause, which anyio cancels again after the deadline".to_string()
            });
        }
        if let Some(b) = because {
            applicability = Applicability::Unsafe;
            message.push_str(&format!(" ({b})"));
        } else if cx.edits_drop_comment(&edits) {
            applicability = Applicability::Unsafe;
            message.push_str(crate::DROPS_COMMENT);
        }
        let mut imports = vec!["anyio"];
        if uses.needs_math {
            imports.push("math");
        }
        out.push(
            Diagnostic::new(CODE, message, call.byte_range())
                .with_fix(Fix::new(edits, applicability).with_imports(imports))
                .superseding(general),
        );
    }
}
