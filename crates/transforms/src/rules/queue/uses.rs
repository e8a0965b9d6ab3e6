//! One use of a queue under some name: the stream call it becomes, or why it
//! blocks the rewrite.

use crate::FileContext;
use edit::Edit;
use syntax::Node;

/// Which end of the stream pair a use needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    Send,
    Receive,
    /// `qsize()`, `empty()`, `full()`: either end has the statistics.
    Either,
    /// `await q.join()`: only a worker pool's shutdown (`join`) takes it.
    Join,
    /// `q.task_done()`: likewise, in a worker.
    TaskDone,
}

/// A method call on the queue: `await q.put(x)`, `q.get_nowait()`, `q.qsize()` …
#[derive(Clone, Copy)]
pub struct MethodUse<'a> {
    /// The call (`q.put(x)`).
    pub call: Node<'a>,
    /// The method's name.
    pub method: &'a str,
    /// The end of the stream it needs.
    pub side: Side,
    /// `q.put`, the part that is rewritten.
    attr: Node<'a>,
}

impl<'a> MethodUse<'a> {
    /// The use `ident` (a name of the queue) is part of, if the rewrite knows it.
    pub fn of(ident: Node<'a>, cx: &FileContext<'a>) -> Result<Self, String> {
        let attr = ident
            .parent()
            .filter(|p| p.kind() == "attribute" && p.child_by_field_name("object") == Some(ident))
            .ok_or_else(|| format!("`{}` (the queue itself is used)", first_line(ident, cx)))?;
        let method = attr
            .child_by_field_name("attribute")
            .map(|a| cx.text(a))
            .unwrap_or("");
        let call = attr
            .parent()
            .filter(|c| c.kind() == "call" && c.child_by_field_name("function") == Some(attr))
            .ok_or_else(|| format!("`{}`", cx.text(attr)))?;
        let awaited = call.parent().is_some_and(|p| p.kind() == "await");
        let side = match (method, awaited) {
            ("put", true) | ("put_nowait", false) => Side::Send,
            ("get", true) | ("get_nowait", false) => Side::Receive,
            ("qsize" | "empty" | "full", false) => Side::Either,
            ("join", true) => Side::Join,
            ("task_done", false) => Side::TaskDone,
            _ => return Err(format!("`{}`", cx.text(call))),
        };
        Ok(MethodUse {
            call,
            method,
            side,
            attr,
        })
    }

    /// The edit that makes this use a call on `send` or `receive`; `None`
    /// for `join()` and `task_done()`, which a shutdown removes.
    pub fn edit(&self, send: &str, receive: &str, cx: &FileContext) -> Option<Edit> {
        if matches!(self.side, Side::Join | Side::TaskDone) {
            return None;
        }
        let stats = |side: &str| format!("{side}.statistics()");
        // A comparison replacing `q.empty()` needs parentheses where it
        // would bind with what is around it (`a == q.empty()`), reads
        // better with them after `not`, and keeps them on a line too long
        // (where they let the line be wrapped).
        let loose = self.call.parent().is_some_and(|p| {
            matches!(
                p.kind(),
                "if_statement"
                    | "elif_clause"
                    | "while_statement"
                    | "boolean_operator"
                    | "argument_list"
                    | "keyword_argument"
                    | "assignment"
                    | "return_statement"
                    | "expression_statement"
                    | "assert_statement"
                    | "parenthesized_expression"
                    | "conditional_expression"
                    | "list"
                    | "tuple"
                    | "set"
            )
        });
        let line = syntax::line_end(cx.src, self.call.end_byte())
            - syntax::line_start(cx.src, self.call.start_byte());
        let test = |text: String| {
            // 88: the default line length (the wrapper's; a longer line keeps them).
            if loose && line - self.call.byte_range().len() + text.len() <= 88 {
                text
            } else {
                format!("({text})")
            }
        };
        Some(match self.method {
            "put" => Edit::replace(self.attr.byte_range(), format!("{send}.send")),
            "get" => Edit::replace(self.attr.byte_range(), format!("{receive}.receive")),
            "put_nowait" => Edit::replace(self.attr.byte_range(), format!("{send}.send_nowait")),
            "get_nowait" => {
                Edit::replace(self.attr.byte_range(), format!("{receive}.receive_nowait"))
            }
            "qsize" => Edit::replace(
                self.call.byte_range(),
                format!("{}.current_buffer_used", stats(receive)),
            ),
            "empty" => Edit::replace(
                self.call.byte_range(),
                test(format!("{}.current_buffer_used == 0", stats(receive))),
            ),
            _ => Edit::replace(
                self.call.byte_range(),
                test(format!(
                    "{}.current_buffer_used >= {}.max_buffer_size",
                    stats(send),
                    stats(send)
                )),
            ),
        })
    }
}

/// The first line of the statement-ish text around `node`, for messages.
pub fn first_line(node: Node, cx: &FileContext) -> String {
    let t = cx.text(node.parent().unwrap_or(node));
    t.lines().next().unwrap_or(t).trim().to_string()
}

/// The first line of a node's own text, for messages.
pub fn snippet(node: Node, cx: &FileContext) -> String {
    let t = cx.text(node);
    t.lines().next().unwrap_or(t).trim().to_string()
}
