//! A queue handed to a function of the same module (`producer(q)`,
//! `tg.start_soon(consumer, q)`): the function gets the one end it uses, and
//! its parameter's annotation changes with it.

use super::uses::{snippet, MethodUse, Side};
use crate::FileContext;
use edit::Edit;
use syntax::arguments;
use syntax::{named_children, Node};

/// The queue passed to a function that only puts or only gets.
pub struct Handoff<'a> {
    /// The queue's name as passed (`q` in `producer(q)`).
    pub arg: Node<'a>,
    /// The call that passes it.
    pub call: Node<'a>,
    /// The called function's definition.
    pub callee: Node<'a>,
    /// The name that calls it at the call site.
    pub reference: Node<'a>,
    /// The end of the stream the function gets.
    pub side: Side,
    /// The parameter's uses in the function.
    pub uses: Vec<MethodUse<'a>>,
    /// The parameter's name.
    pub param: &'a str,
    /// The annotation's `asyncio.Queue` part, replaced by the stream class.
    pub annotation: Option<Node<'a>>,
}

/// The stream classes an annotation becomes, as `module:name` imports.
pub const SEND_CLASS: &str = "anyio.streams.memory:MemoryObjectSendStream";
pub const RECEIVE_CLASS: &str = "anyio.streams.memory:MemoryObjectReceiveStream";

impl<'a> Handoff<'a> {
    /// `None` when `ident` is not an argument of a call; an error when it is
    /// one the rewrite cannot follow.
    pub fn of(ident: Node<'a>, cx: &FileContext<'a>) -> Option<Result<Self, String>> {
        let parent = ident.parent()?;
        let (list, keyword) = match parent.kind() {
            "argument_list" => (parent, None),
            "keyword_argument" if parent.child_by_field_name("value") == Some(ident) => (
                parent.parent().filter(|l| l.kind() == "argument_list")?,
                parent.child_by_field_name("name").map(|n| cx.text(n)),
            ),
            _ => return None,
        };
        let call = list.parent().filter(|c| c.kind() == "call")?;
        Some(Self::follow(ident, call, keyword, cx))
    }

    fn follow(
        ident: Node<'a>,
        call: Node<'a>,
        keyword: Option<&'a str>,
        cx: &FileContext<'a>,
    ) -> Result<Self, String> {
        let site = snippet(call, cx);
        let passed = || format!("`{site}` (passed to code the tool cannot follow)");
        let args = arguments(call);
        let function = call.child_by_field_name("function").ok_or_else(passed)?;
        // `tg.start_soon(f, a, q)` runs `f(a, q)`.
        let (callee, args) = if cx.text(function).ends_with(".start_soon") && keyword.is_none() {
            let (first, rest) = args.split_first().ok_or_else(passed)?;
            (*first, rest.to_vec())
        } else {
            (function, args)
        };
        if keyword.is_some() && cx.text(function).ends_with(".start_soon") {
            return Err(passed());
        }
        if fire_and_forget(call, cx) {
            return Err(format!("`{site}` (a task that may outlive the function)"));
        }
        let def = module_function(callee, cx).ok_or_else(passed)?;
        let name = cx.text(callee);
        let param = match keyword {
            Some(k) => parameter_named(def, k, cx),
            None => {
                let index = args.iter().position(|a| *a == ident).ok_or_else(passed)?;
                if args[..index].iter().any(|a| {
                    matches!(
                        a.kind(),
                        "list_splat" | "dictionary_splat" | "keyword_argument"
                    )
                }) {
                    return Err(passed());
                }
                positional_parameter(def, index)
            }
        }
        .ok_or_else(|| format!("`{site}` (no plain parameter of `{name}` takes it)"))?;
        let param_name = match param.kind() {
            "identifier" => cx.text(param),
            "typed_parameter" => param
                .named_child(0)
                .filter(|n| n.kind() == "identifier")
                .map(|n| cx.text(n))
                .ok_or_else(passed)?,
            _ => return Err(format!("`{site}` (`{name}`'s parameter has a default)")),
        };
        let annotation = match param.child_by_field_name("type") {
            None => None,
            Some(t) => Some(queue_annotation(t, cx).ok_or_else(|| {
                let t = cx.text(t);
                format!("`{site}` (`{name}` annotates it `{t}`, not `asyncio.Queue`)")
            })?),
        };
        let body = def.child_by_field_name("body").ok_or_else(passed)?;
        let mut uses = Vec::new();
        for (n, _) in syntax::preorder(body) {
            if n.kind() == "identifier" && cx.text(n) == param_name {
                uses.push(MethodUse::of(n, cx).map_err(|why| format!("{why} in `{name}`"))?);
            }
        }
        if let Some(join) = uses.iter().find(|u| u.side == Side::Join) {
            return Err(format!("`{}` in `{name}`", snippet(join.call, cx)));
        }
        let puts = uses.iter().any(|u| u.side == Side::Send);
        // `task_done()` marks what a worker got.
        let gets = uses
            .iter()
            .any(|u| matches!(u.side, Side::Receive | Side::TaskDone));
        let side = match (puts, gets) {
            (true, true) => return Err(format!("`{site}` (`{name}` both puts and gets)")),
            (true, false) => Side::Send,
            _ => Side::Receive,
        };
        Ok(Handoff {
            arg: ident,
            call,
            callee: def,
            reference: callee,
            side,
            uses,
            param: param_name,
            annotation,
        })
    }

    /// The edits in the called function: its uses and its annotation.
    pub fn callee_edits(&self, cx: &FileContext) -> Vec<Edit> {
        let mut edits: Vec<Edit> = self
            .uses
            .iter()
            .filter_map(|u| u.edit(self.param, self.param, cx))
            .collect();
        if let Some(base) = self.annotation {
            edits.push(Edit::replace(base.byte_range(), self.class_name()));
        }
        edits
    }

    /// The stream class the parameter's annotation names.
    pub fn class_name(&self) -> &'static str {
        self.class_import().rsplit(':').next().unwrap_or_default()
    }

    /// The import the annotation needs.
    pub fn class_import(&self) -> &'static str {
        if self.side == Side::Send {
            SEND_CLASS
        } else {
            RECEIVE_CLASS
        }
    }
}

/// An undecorated function defined once in this file, at module level or in
/// a function's body, that `callee` (a plain name) calls.
fn module_function<'a>(callee: Node<'a>, cx: &FileContext<'a>) -> Option<Node<'a>> {
    if callee.kind() != "identifier" {
        return None;
    }
    let name = cx.text(callee);
    let defs: Vec<Node> = cx
        .nodes_of_kind(syntax::kinds().function_definition)
        .iter()
        .copied()
        .filter(|d| {
            d.child_by_field_name("name")
                .is_some_and(|n| cx.text(n) == name)
        })
        .collect();
    match defs.as_slice() {
        [def]
            if def
                .parent()
                .is_some_and(|p| matches!(p.kind(), "module" | "block")) =>
        {
            Some(*def)
        }
        _ => None,
    }
}

/// Whether `call` runs inside `asyncio.create_task(...)`/`ensure_future(...)`
/// or a `create_task` of anything but a task group an enclosing `with` opened.
fn fire_and_forget(call: Node, cx: &FileContext) -> bool {
    let mut cur = call.parent();
    while let Some(n) = cur {
        if matches!(
            n.kind(),
            "expression_statement" | "block" | "function_definition" | "lambda"
        ) {
            return false;
        }
        if n.kind() == "call" {
            let Some(f) = n.child_by_field_name("function") else {
                return false;
            };
            let spelled = cx.text(f);
            if spelled.ends_with("create_task") || spelled.ends_with("ensure_future") {
                let object = f.child_by_field_name("object").map(|o| cx.text(o));
                let group = cx
                    .enclosing_with_items(n)
                    .iter()
                    .any(|w| w.alias.is_some() && w.alias == object);
                return !group;
            }
        }
        cur = n.parent();
    }
    false
}

/// The parameter at `index` among the positional ones.
fn positional_parameter(def: Node, index: usize) -> Option<Node> {
    let params = def.child_by_field_name("parameters")?;
    let mut i = 0;
    for p in named_children(params) {
        match p.kind() {
            "identifier" | "typed_parameter" | "default_parameter" | "typed_default_parameter" => {
                if i == index {
                    return Some(p);
                }
                i += 1;
            }
            "comment" | "positional_separator" => {}
            _ => return None,
        }
    }
    None
}

/// The parameter called `name`.
fn parameter_named<'a>(def: Node<'a>, name: &str, cx: &FileContext) -> Option<Node<'a>> {
    let params = def.child_by_field_name("parameters")?;
    named_children(params).into_iter().find(|p| {
        let ident = match p.kind() {
            "identifier" => Some(*p),
            _ => p
                .child_by_field_name("name")
                .or_else(|| p.named_child(0))
                .filter(|n| n.kind() == "identifier"),
        };
        ident.is_some_and(|n| cx.text(n) == name)
    })
}

/// The `asyncio.Queue` part of an annotation `asyncio.Queue` / `asyncio.Queue[T]`.
fn queue_annotation<'a>(ty: Node<'a>, cx: &FileContext<'a>) -> Option<Node<'a>> {
    let inner = ty.named_child(0)?;
    let base = match inner.kind() {
        "identifier" | "attribute" => inner,
        "subscript" => inner.child_by_field_name("value")?,
        "generic_type" => inner.named_child(0)?,
        _ => return None,
    };
    (cx.qualified(base).as_deref() == Some("asyncio.Queue")).then_some(base)
}

/// The names in the file that refer to the function `def` defines (its
/// calls and other uses; not its own name, nor local variables spelled alike).
pub fn references_to<'a>(def: Node<'a>, cx: &FileContext<'a>) -> Vec<Node<'a>> {
    let Some(name_node) = def.child_by_field_name("name") else {
        return Vec::new();
    };
    let name = cx.text(name_node);
    cx.nodes_of_kind(syntax::kinds().identifier)
        .iter()
        .copied()
        .filter(|n| *n != name_node && cx.text(*n) == name && !is_local_variable(*n, cx))
        .collect()
}

/// Whether the identifier `ident` is a local variable of the function it is
/// in (a parameter or an assignment target there), so not a use of a
/// module-level function of that name.
fn is_local_variable(ident: Node, cx: &FileContext) -> bool {
    let name = cx.text(ident);
    let Some(func) = syntax::enclosing(ident, &["function_definition", "lambda"]) else {
        return false;
    };
    fn binds(n: Node) -> Option<Node> {
        match n.kind() {
            "assignment" | "augmented_assignment" | "for_statement" | "for_in_clause" => {
                n.child_by_field_name("left")
            }
            "named_expression" => n.child_by_field_name("name"),
            _ => None,
        }
    }
    let params = func.child_by_field_name("parameters");
    params.is_some_and(|ps| {
        syntax::preorder(ps).any(|(p, _)| p.kind() == "identifier" && cx.text(p) == name)
    }) || syntax::preorder(func).any(|(n, _)| {
        binds(n).is_some_and(|t| t.kind() == "identifier" && cx.text(t) == name)
            && syntax::enclosing(n, &["function_definition", "lambda"]) == Some(func)
    })
}
