//! Whether an expression is a number that is never below zero: what
//! `anyio.sleep` accepts (it raises `ValueError` there, where `asyncio.sleep`
//! returns at once).
//!
//! Known non-negative: number literals; `+ * / //` of such; `x ** y` and
//! `x % y` when `x` (`y` for `%`, a literal above zero) is; `abs`, `len`,
//! `min` of such, `max` whose first argument is; `random.random()` and
//! `random.uniform` / `randint` / `randrange` of such; a name every binding
//! of which is such (a module constant, a local assigned and re-assigned
//! only so, `delay *= 2`); and a parameter of a function that only this
//! file calls (a nested function, or one in a test module that no other
//! module imports), undecorated, every call passing such a value (or
//! leaving the default, which is one).

use crate::FileContext;
use syntax::{named_children, Node};

/// How deep names and calls are followed.
const DEPTH: usize = 8;

/// Whether `node` evaluates to a non-negative number wherever it runs.
pub fn holds(node: Node, cx: &FileContext) -> bool {
    Walk {
        cx,
        assumed: Vec::new(),
    }
    .number(node, 0)
}

struct Walk<'c, 'a> {
    cx: &'c FileContext<'a>,
    /// Names (by scope) and parameters assumed non-negative while their
    /// bindings are checked: a binding that reads its own name
    /// (`delay = delay * 2`) keeps what the others establish.
    assumed: Vec<(usize, String)>,
}

impl<'a> Walk<'_, 'a> {
    fn number(&mut self, node: Node<'a>, depth: usize) -> bool {
        if depth > DEPTH {
            return false;
        }
        let cx = self.cx;
        match node.kind() {
            "integer" | "float" => true,
            "parenthesized_expression" => node
                .named_child(0)
                .is_some_and(|n| self.number(n, depth + 1)),
            "binary_operator" => {
                let (Some(left), Some(op), Some(right)) = (
                    node.child_by_field_name("left"),
                    node.child_by_field_name("operator"),
                    node.child_by_field_name("right"),
                ) else {
                    return false;
                };
                match cx.text(op) {
                    "+" | "*" | "/" | "//" => {
                        self.number(left, depth + 1) && self.number(right, depth + 1)
                    }
                    "**" => self.number(left, depth + 1),
                    // The result takes the divisor's sign.
                    "%" => positive_literal(right, cx),
                    _ => false,
                }
            }
            "call" => self.call(node, depth),
            "identifier" => self.name(node, depth),
            _ => false,
        }
    }

    fn call(&mut self, call: Node<'a>, depth: usize) -> bool {
        let cx = self.cx;
        let (Some(func), Some(args)) = (
            call.child_by_field_name("function"),
            call.child_by_field_name("arguments"),
        ) else {
            return false;
        };
        let args = named_children(args);
        if args
            .iter()
            .any(|a| a.kind() != "identifier" && !is_expression(*a))
        {
            return false;
        }
        let qualified = cx.qualified(func);
        match (cx.text(func), qualified.as_deref()) {
            ("abs" | "len", _) => args.len() == 1,
            ("max", _) => args.first().is_some_and(|a| self.number(*a, depth + 1)),
            ("min", _) => !args.is_empty() && args.iter().all(|a| self.number(*a, depth + 1)),
            (_, Some("random.random")) => args.is_empty(),
            (_, Some("random.uniform" | "random.randint" | "random.randrange")) => {
                !args.is_empty() && args.iter().all(|a| self.number(*a, depth + 1))
            }
            _ => false,
        }
    }

    /// A name: every binding in the scope it belongs to gives a
    /// non-negative number.
    fn name(&mut self, node: Node<'a>, depth: usize) -> bool {
        let cx = self.cx;
        let name = cx.text(node);
        // The innermost enclosing function that binds the name, else the module.
        let mut scope = None;
        let mut cur = node;
        while let Some(f) =
            syntax::enclosing(cur, &["function_definition", "lambda", "class_definition"])
        {
            // A class body's names are not seen by its methods.
            if f.kind() == "class_definition" {
                cur = f;
                continue;
            }
            if f.kind() == "lambda" {
                return false;
            }
            if !bindings(f, name, cx).is_empty() || parameter(f, name, cx).is_some() {
                scope = Some(f);
                break;
            }
            cur = f;
        }
        let root = cx.tree.root_node();
        let scope_node = scope.unwrap_or(root);
        let key = (scope_node.id(), name.to_string());
        if self.assumed.contains(&key) {
            return true;
        }
        self.assumed.push(key);
        let found = bindings(scope_node, name, cx);
        let param = scope.and_then(|f| parameter(f, name, cx));
        if found.is_empty() && param.is_none() {
            return false;
        }
        if scope.is_none() && global_anywhere(root, name, cx) {
            return false;
        }
        for b in &found {
            let ok = match b {
                Binding::Value(v) => self.number(*v, depth + 1),
                Binding::Other => false,
            };
            if !ok {
                return false;
            }
        }
        match (scope, param) {
            (Some(f), Some(p)) => self.argument(f, p, depth),
            _ => true,
        }
    }

    /// Every value a parameter receives: the function is called only here,
    /// by its name, each call passing a non-negative number for it or
    /// leaving its non-negative default.
    fn argument(&mut self, func: Node<'a>, param: Param<'a>, depth: usize) -> bool {
        let cx = self.cx;
        if param.splat
            || func
                .parent()
                .is_some_and(|p| p.kind() == "decorated_definition")
        {
            return false;
        }
        let Some(fname) = func.child_by_field_name("name").map(|n| cx.text(n)) else {
            return false;
        };
        let outer = syntax::enclosing(func, &["function_definition", "class_definition", "lambda"]);
        match outer {
            Some(o) if o.kind() != "function_definition" => return false,
            None if !cx.targets.project.is_private_test_module(&cx.targets.file) => return false,
            _ => {}
        }
        if let Some(d) = param.default {
            if !self.number(d, depth + 1) {
                return false;
            }
        }
        let within = outer.unwrap_or(cx.tree.root_node());
        let mut calls = 0;
        for (n, _) in syntax::preorder(within) {
            if n.kind() != "identifier" || cx.text(n) != fname || !syntax::names_variable(n) {
                continue;
            }
            if n.parent().is_some_and(|p| p.id() == func.id()) {
                continue;
            }
            let Some(call) = n
                .parent()
                .filter(|p| p.kind() == "call" && p.child_by_field_name("function") == Some(n))
            else {
                return false;
            };
            let Some(args) = call.child_by_field_name("arguments") else {
                return false;
            };
            let args = named_children(args);
            if args
                .iter()
                .any(|a| matches!(a.kind(), "list_splat" | "dictionary_splat"))
            {
                return false;
            }
            let keyword = args.iter().find_map(|a| {
                (a.kind() == "keyword_argument"
                    && a.child_by_field_name("name")
                        .is_some_and(|k| cx.text(k) == param.name))
                .then(|| a.child_by_field_name("value"))
                .flatten()
            });
            let positional = param.index.and_then(|i| {
                args.iter()
                    .filter(|a| a.kind() != "keyword_argument")
                    .nth(i)
                    .copied()
            });
            let ok = match keyword.or(positional) {
                Some(v) => self.number(v, depth + 1),
                None => param.default.is_some(),
            };
            if !ok {
                return false;
            }
            calls += 1;
        }
        calls > 0
    }
}

/// A number literal above zero.
fn positive_literal(node: Node, cx: &FileContext) -> bool {
    matches!(node.kind(), "integer" | "float")
        && cx
            .text(node)
            .replace('_', "")
            .parse::<f64>()
            .is_ok_and(|v| v > 0.0)
}

/// A plain expression argument (not `*args`, `**kw` or `k=v`).
fn is_expression(node: Node) -> bool {
    !matches!(
        node.kind(),
        "keyword_argument" | "list_splat" | "dictionary_splat" | "comment"
    )
}

/// What a binding of the name gives it.
enum Binding<'a> {
    /// `name = value`, `name += value`, `name *= value`, ... (the value).
    Value(Node<'a>),
    /// Any other binding (a loop target, an import, a `def`, ...).
    Other,
}

/// The bindings of `name` in `scope`'s own body (not in nested functions,
/// classes or lambdas), parameters apart.
fn bindings<'a>(scope: Node<'a>, name: &str, cx: &FileContext<'a>) -> Vec<Binding<'a>> {
    let mut out = Vec::new();
    let body = if scope.kind() == "function_definition" {
        scope.child_by_field_name("body")
    } else {
        Some(scope)
    };
    let Some(body) = body else { return out };
    let mut stack = vec![body];
    while let Some(n) = stack.pop() {
        if n.id() != body.id()
            && matches!(
                n.kind(),
                "function_definition" | "class_definition" | "lambda"
            )
        {
            // Its name is a binding here; its body is not.
            if n.child_by_field_name("name")
                .is_some_and(|d| cx.text(d) == name)
            {
                out.push(Binding::Other);
            }
            continue;
        }
        if n.kind() == "identifier" && cx.text(n) == name && syntax::names_variable(n) {
            if let Some(b) = binding(n, cx) {
                out.push(b);
            }
        }
        let mut walk = n.walk();
        stack.extend(n.children(&mut walk));
    }
    out
}

/// How the identifier `n` binds its name, if it is a binding.
fn binding<'a>(n: Node<'a>, cx: &FileContext<'a>) -> Option<Binding<'a>> {
    let p = n.parent()?;
    let is_left = p.child_by_field_name("left") == Some(n);
    match p.kind() {
        "assignment" if is_left => Some(match p.child_by_field_name("right") {
            Some(v) => Binding::Value(v),
            // An annotation alone (`delay: float`) binds nothing.
            None => return None,
        }),
        "augmented_assignment" if is_left => {
            let op = p.child_by_field_name("operator").map(|o| cx.text(o));
            match (op, p.child_by_field_name("right")) {
                (Some("+=" | "*=" | "/=" | "//="), Some(v)) => Some(Binding::Value(v)),
                _ => Some(Binding::Other),
            }
        }
        "for_statement" | "for_in_clause" if is_left => Some(Binding::Other),
        "named_expression" if p.child_by_field_name("name") == Some(n) => Some(Binding::Other),
        "pattern_list" | "tuple_pattern" | "list_pattern" | "as_pattern_target"
        | "global_statement" | "nonlocal_statement" | "delete_statement" | "aliased_import"
        | "dotted_name" | "case_pattern" | "keyword_pattern" | "splat_pattern" => {
            Some(Binding::Other)
        }
        _ => None,
    }
}

/// A parameter of a function: its name, its position among the positional
/// parameters (None when keyword-only), and its default.
#[derive(Clone, Copy)]
struct Param<'a> {
    name: &'a str,
    index: Option<usize>,
    default: Option<Node<'a>>,
    /// `*name` or `**name`.
    splat: bool,
}

fn parameter<'a>(func: Node<'a>, name: &'a str, cx: &FileContext<'a>) -> Option<Param<'a>> {
    let params = func.child_by_field_name("parameters")?;
    let mut index = Some(0);
    for p in named_children(params) {
        let (pname, default) = match p.kind() {
            "identifier" => (Some(p), None),
            "typed_parameter" => (p.named_child(0).filter(|n| n.kind() == "identifier"), None),
            "default_parameter" | "typed_default_parameter" => (
                p.child_by_field_name("name"),
                p.child_by_field_name("value"),
            ),
            "list_splat_pattern" | "dictionary_splat_pattern" => {
                // `*delays` / `**kw` is a tuple or a dict, never a number.
                if p.named_child(0).is_some_and(|n| cx.text(n) == name) {
                    return Some(Param {
                        name,
                        index: None,
                        default: None,
                        splat: true,
                    });
                }
                index = None;
                continue;
            }
            "keyword_separator" => {
                index = None;
                continue;
            }
            _ => (None, None),
        };
        if let Some(n) = pname {
            if cx.text(n) == name {
                return Some(Param {
                    name: cx.text(n),
                    index,
                    default,
                    splat: false,
                });
            }
        }
        index = index.map(|i| i + 1);
    }
    None
}

/// Whether a function anywhere declares `global name` (it may rebind it).
fn global_anywhere(root: Node, name: &str, cx: &FileContext) -> bool {
    cx.src.contains("global")
        && syntax::preorder(root).any(|(n, _)| {
            n.kind() == "global_statement" && named_children(n).iter().any(|g| cx.text(*g) == name)
        })
}

#[cfg(test)]
mod tests {
    use crate::FileContext;

    /// Whether the argument of the last `sleep(...)` call of `src` holds.
    fn sleeps_non_negative(src: &str, file: &str, imported: &[&str]) -> bool {
        let tree = syntax::parse(src);
        let style = syntax::Style::detect(src);
        let facts = crate::ProjectFacts {
            imported_tests: imported.iter().map(|s| s.to_string()).collect(),
            ..Default::default()
        };
        let targets = crate::Targets {
            file: file.to_string(),
            project: std::sync::Arc::new(facts),
            ..Default::default()
        };
        let cx = FileContext::new(src, &tree, &style).with_targets(targets);
        let call = syntax::preorder(tree.root_node())
            .filter(|(n, _)| {
                n.kind() == "call"
                    && n.child_by_field_name("function")
                        .is_some_and(|f| cx.text(f).ends_with("sleep"))
            })
            .last()
            .map(|(n, _)| n)
            .unwrap();
        let arg = call
            .child_by_field_name("arguments")
            .and_then(|a| a.named_child(0))
            .unwrap();
        super::holds(arg, &cx)
    }

    fn holds(src: &str) -> bool {
        sleeps_non_negative(src, "pkg/mod.py", &[])
    }

    #[test]
    fn expressions_of_non_negative_numbers() {
        assert!(holds("sleep(0.1 * 3)"));
        assert!(holds("sleep((1 + 2) / 4)"));
        assert!(holds("sleep(2 ** attempt)"));
        assert!(holds("sleep(x % 5)"));
        assert!(holds("sleep(min(1, 2.5))"));
        assert!(holds("sleep(max(0, deadline - now))"));
        assert!(holds("import random\nsleep(random.randint(1, 5) / 100)"));
        assert!(holds("import random\nsleep(random.uniform(0.05, 1.0))"));
        assert!(!holds("sleep(1 - 2)"));
        assert!(!holds("sleep(min(1, x))"));
        assert!(!holds("sleep(x ** 2)"));
        assert!(!holds("sleep(x % -5)"));
        assert!(!holds(
            "from mylib import random\nsleep(random.uniform(-1, 1))"
        ));
    }

    #[test]
    fn names_bound_only_to_non_negative_numbers() {
        assert!(holds(
            "EXPIRE = 0.02\n\nasync def f():\n    await sleep(EXPIRE * 1.1)\n"
        ));
        assert!(holds(
            "async def f():\n    delay = 0.1\n    while True:\n        await sleep(delay)\n        delay = min(delay * 2, 10)\n"
        ));
        assert!(holds(
            "async def f():\n    delay = 1\n    delay *= 2\n    await sleep(delay)\n"
        ));
        assert!(!holds(
            "async def f():\n    delay = 1\n    delay -= 2\n    await sleep(delay)\n"
        ));
        assert!(!holds(
            "EXPIRE = 0.02\n\ndef g():\n    global EXPIRE\n    EXPIRE = -1\n\nasync def f():\n    await sleep(EXPIRE)\n"
        ));
        assert!(!holds(
            "async def f():\n    for delay in delays:\n        await sleep(delay)\n"
        ));
        assert!(!holds(
            "from config import DELAY\n\nasync def f():\n    await sleep(DELAY)\n"
        ));
        assert!(!holds("async def f(self):\n    await sleep(self.delay)\n"));
    }

    #[test]
    fn parameters_of_functions_only_this_file_calls() {
        let nested = "async def main():\n    async def job(delay, result):\n        await sleep(delay)\n        return result\n    await job(0.1, 1)\n    await job(delay=0.2, result=2)\n";
        assert!(holds(nested));
        let negative = "async def main():\n    async def job(delay):\n        await sleep(delay)\n    await job(-1)\n";
        assert!(!holds(negative));
        let handed = "async def main():\n    async def job(delay):\n        await sleep(delay)\n    await run(job)\n    await job(1)\n";
        assert!(!holds(handed));
        let defaulted = "async def main():\n    async def job(x, delay=0.5):\n        await sleep(delay)\n    await job(1)\n    await job(2, 0.1)\n";
        assert!(holds(defaulted));
        let module = "async def job(delay):\n    await sleep(delay)\n\nasync def test_job():\n    await job(0.1)\n";
        assert!(sleeps_non_negative(module, "tests/test_jobs.py", &[]));
        assert!(!sleeps_non_negative(
            module,
            "tests/test_jobs.py",
            &["test_jobs"]
        ));
        assert!(!sleeps_non_negative(module, "pkg/jobs.py", &[]));
        let decorated = "async def main():\n    @retry\n    async def job(delay):\n        await sleep(delay)\n    await job(1)\n";
        assert!(!holds(decorated));
        let starred = "async def main(args):\n    async def job(delay):\n        await sleep(delay)\n    await job(*args)\n";
        assert!(!holds(starred));
    }
}
