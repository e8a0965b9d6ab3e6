//! Scopes, bindings and the resolution of names to qualified names.

use rustc_hash::FxHashMap as HashMap;
use std::ops::Range;
use syntax::{fields, kinds, text, Kinds, Node, Tree};

/// One name bound by an import statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportBinding {
    /// The local name (`aio` in `import asyncio as aio`).
    pub local: String,
    /// What it means (`asyncio`, `asyncio.sleep`), normalized.
    pub qualified: String,
    /// The whole import statement.
    pub statement: Range<usize>,
    /// The imported item (`asyncio`, `sleep as s`) inside the statement.
    pub item: Range<usize>,
    /// Whether the statement is directly in the module (not in a function or class).
    pub module_level: bool,
}

/// What a name is bound to in one scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Binding {
    /// An import: index into [`SemanticModel::imports`].
    Import(usize),
    /// Anything else: an assignment, parameter, `def`, loop variable …
    Other,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ScopeKind {
    Module,
    Function,
    Class,
}

#[derive(Debug)]
struct Scope {
    kind: ScopeKind,
    /// The enclosing scope (`None` for the module).
    parent: Option<usize>,
    bindings: HashMap<String, Vec<Binding>>,
}

/// One identifier of the file, as the build pass saw it.
#[derive(Debug, Clone, Copy)]
struct Ident {
    range: (usize, usize),
    scope: usize,
    reference: bool,
}

/// The names one file binds, by scope, and its imports.
#[derive(Debug)]
pub struct SemanticModel {
    scopes: HashMap<usize, Scope>,
    root: usize,
    /// Every identifier, in source order, with its scope; and an index by node id.
    idents: Vec<Ident>,
    ident_index: HashMap<usize, usize>,
    /// Every import binding, in source order.
    pub imports: Vec<ImportBinding>,
    /// `from M import *` statements: the module and the statement's range.
    pub star_imports: Vec<(String, Range<usize>)>,
    /// The text inside the plain string literals of annotations (`x:
    /// "asyncio.Lock"`): the names it spells count as uses of their imports.
    annotation_strings: Vec<Range<usize>>,
}

/// The kind of node that opens a scope, if a node of kind `kind` opens one.
fn scope_kind(k: &Kinds, kind: u16) -> Option<ScopeKind> {
    if kind == k.function_definition
        || kind == k.lambda
        || kind == k.list_comprehension
        || kind == k.set_comprehension
        || kind == k.dictionary_comprehension
        || kind == k.generator_expression
    {
        Some(ScopeKind::Function)
    } else if kind == k.class_definition {
        Some(ScopeKind::Class)
    } else {
        None
    }
}

impl SemanticModel {
    /// Collects the bindings of every scope in `tree`, in one pass.
    pub fn build(tree: &Tree, src: &str) -> SemanticModel {
        Self::build_with(tree, src, |_| {})
    }

    /// The same, calling `also` on every node of the same walk (so a caller
    /// that indexes nodes needs no walk of its own). The walk does not go
    /// into plain string literals (no names there): `also` sees the
    /// `string`, not its parts.
    pub fn build_with<'t>(
        tree: &'t Tree,
        src: &str,
        mut also: impl FnMut(&syntax::Visit<'t>),
    ) -> SemanticModel {
        let (k, f) = (kinds(), fields());
        let root = tree.root_node();
        // About a fifth of a Python tree's nodes are identifiers: room for
        // them up front spares the growing (and rehashing) on the way.
        let idents = root.descendant_count() / 5;
        let mut model = SemanticModel {
            scopes: HashMap::default(),
            root: root.id(),
            idents: Vec::with_capacity(idents),
            ident_index: HashMap::with_capacity_and_hasher(idents, Default::default()),
            imports: Vec::new(),
            star_imports: Vec::new(),
            annotation_strings: Vec::new(),
        };
        model.scopes.insert(
            root.id(),
            Scope {
                kind: ScopeKind::Module,
                parent: None,
                bindings: HashMap::default(),
            },
        );
        // (scope node id, depth at which it was opened)
        let mut stack: Vec<(usize, usize)> = vec![(root.id(), 0)];
        // Where the annotation being walked ends (a preorder walk meets a
        // `type` before what it holds).
        let mut annotation_until = 0;
        syntax::walk_with_parents(root, |v| {
            also(v);
            let (node, depth) = (v.node, v.depth);
            while stack.len() > 1 && stack.last().unwrap().1 >= depth {
                stack.pop();
            }
            let current = stack.last().unwrap().0;
            let kind = v.kind;
            if kind == k.type_ {
                annotation_until = annotation_until.max(node.end_byte());
            } else if kind == k.string && node.start_byte() < annotation_until {
                model
                    .annotation_strings
                    .extend(plain_string_text(node, src));
            }
            if kind == k.identifier {
                model.ident_index.insert(node.id(), model.idents.len());
                model.idents.push(Ident {
                    range: (node.start_byte(), node.end_byte()),
                    scope: current,
                    reference: is_reference(
                        k,
                        v.parent.map(|p| p.kind_id()),
                        v.named_index(),
                        || v.field_name(),
                    ),
                });
            } else if kind == k.function_definition || kind == k.class_definition {
                if let Some(name) = node.child_by_field_id(f.name) {
                    model.bind(current, text(name, src), Binding::Other);
                }
            } else if kind == k.import_statement || kind == k.import_from_statement {
                model.collect_import(node, src, current);
            } else if kind == k.assignment
                || kind == k.augmented_assignment
                || kind == k.for_statement
                || kind == k.for_in_clause
            {
                if let Some(left) = node.child_by_field_id(f.left) {
                    model.bind_targets(left, src, current);
                }
            } else if kind == k.as_pattern {
                if let Some(alias) = node.child_by_field_id(f.alias) {
                    model.bind_targets(alias, src, current);
                }
            } else if kind == k.named_expression {
                if let Some(name) = node.child_by_field_id(f.name) {
                    model.bind(current, text(name, src), Binding::Other);
                }
            } else if kind == k.string {
                return !syntax::is_plain_string(node, src);
            }
            if let Some(sk) = scope_kind(k, kind) {
                model.scopes.insert(
                    node.id(),
                    Scope {
                        kind: sk,
                        parent: Some(current),
                        bindings: HashMap::default(),
                    },
                );
                stack.push((node.id(), depth));
                if let Some(params) = node.child_by_field_id(f.parameters) {
                    model.bind_parameters(params, src, node.id());
                }
            }
            true
        });
        model
    }

    fn bind(&mut self, scope: usize, name: &str, binding: Binding) {
        if let Some(s) = self.scopes.get_mut(&scope) {
            // The name is copied only the first time the scope binds it.
            match s.bindings.get_mut(name) {
                Some(all) => all.push(binding),
                None => {
                    s.bindings.insert(name.to_string(), vec![binding]);
                }
            }
        }
    }

    /// Binds every plain name in an assignment target (tuples, lists, stars).
    fn bind_targets(&mut self, target: Node, src: &str, scope: usize) {
        match target.kind() {
            "identifier" => self.bind(scope, text(target, src), Binding::Other),
            "pattern_list"
            | "tuple_pattern"
            | "list_pattern"
            | "tuple"
            | "list"
            | "list_splat_pattern"
            | "as_pattern_target"
            | "parenthesized_expression"
            | "expression_list" => {
                for child in syntax::named_children(target) {
                    self.bind_targets(child, src, scope);
                }
            }
            _ => {}
        }
    }

    fn bind_parameters(&mut self, params: Node, src: &str, scope: usize) {
        let (k, f) = (kinds(), fields());
        let mut cursor = params.walk();
        for p in params.named_children(&mut cursor) {
            let kind = p.kind_id();
            let name = if kind == k.identifier {
                Some(p)
            } else if kind == k.default_parameter || kind == k.typed_default_parameter {
                p.child_by_field_id(f.name)
            } else if kind == k.typed_parameter
                || kind == k.list_splat_pattern
                || kind == k.dictionary_splat_pattern
            {
                (0..p.named_child_count() as u32)
                    .filter_map(|i| p.named_child(i))
                    .find(|c| c.kind_id() == k.identifier)
            } else {
                None
            };
            if let Some(n) = name {
                self.bind(scope, text(n, src), Binding::Other);
            }
        }
    }

    fn collect_import(&mut self, stmt: Node, src: &str, scope: usize) {
        let module_level = scope == self.root;
        let from_module = stmt
            .child_by_field_name("module_name")
            .map(|m| text(m, src).to_string());
        if stmt.kind() == "import_from_statement" {
            let has_star = syntax::named_children(stmt)
                .iter()
                .any(|c| c.kind() == "wildcard_import");
            if has_star {
                self.star_imports
                    .push((from_module.clone().unwrap_or_default(), stmt.byte_range()));
                return;
            }
        }
        for item in syntax::field_children(stmt, "name") {
            let (dotted, alias) = if item.kind() == "aliased_import" {
                (
                    item.child_by_field_name("name").map(|n| text(n, src)),
                    item.child_by_field_name("alias").map(|n| text(n, src)),
                )
            } else {
                (Some(text(item, src)), None)
            };
            let Some(dotted) = dotted else { continue };
            let (local, qualified) = match (&from_module, alias) {
                (Some(m), alias) => (alias.unwrap_or(dotted).to_string(), format!("{m}.{dotted}")),
                // `import a.b` binds `a`; `import a.b as c` binds `c` to `a.b`.
                (None, Some(alias)) => (alias.to_string(), dotted.to_string()),
                (None, None) => {
                    let top = dotted.split('.').next().unwrap_or(dotted);
                    (top.to_string(), top.to_string())
                }
            };
            let idx = self.imports.len();
            self.imports.push(ImportBinding {
                local: local.clone(),
                qualified: crate::normalize(&qualified),
                statement: stmt.byte_range(),
                item: item.byte_range(),
                module_level,
            });
            self.bind(scope, &local, Binding::Import(idx));
        }
    }

    /// The binding a name refers to at `at` (an identifier of this file):
    /// `Some(Import(i))`, `Some(Other)`, or `None` when nothing in the file
    /// binds it (a builtin or an undefined global). A name bound more than
    /// one way in the deciding scope counts as `Other`.
    pub fn lookup(&self, name: &str, at: Node) -> Option<Binding> {
        let scope = self
            .ident_index
            .get(&at.id())
            .map_or(self.root, |&i| self.idents[i].scope);
        self.lookup_in(name, scope)
    }

    /// Looks `name` up from `scope` outwards; a class body's names are not
    /// visible from the functions inside it.
    fn lookup_in(&self, name: &str, scope: usize) -> Option<Binding> {
        let mut scope = Some(scope);
        let mut crossed_function = false;
        while let Some(id) = scope {
            let s = &self.scopes[&id];
            if !(s.kind == ScopeKind::Class && crossed_function) {
                if let Some(b) = s.bindings.get(name) {
                    return Some(self.decide(b));
                }
            }
            crossed_function |= s.kind == ScopeKind::Function;
            scope = s.parent;
        }
        None
    }

    /// Whether an identifier of this file is a use of a name (not an
    /// attribute name, keyword, definition name, parameter or import part).
    pub fn is_reference(&self, node: Node) -> bool {
        match self.ident_index.get(&node.id()) {
            Some(&i) => self.idents[i].reference,
            None => node.kind_id() != kinds().identifier,
        }
    }

    /// The qualified name an identifier or dotted attribute refers to, if it
    /// can be known: `aio.sleep` → `asyncio.sleep`, `TimeoutError` →
    /// `TimeoutError`; `None` for anything bound locally, and for a name
    /// nothing binds that is not a builtin (an `asyncio` never imported).
    pub fn resolve(&self, node: Node, src: &str) -> Option<String> {
        let (k, f) = (kinds(), fields());
        let kind = node.kind_id();
        if kind == k.identifier {
            let name = text(node, src);
            match self.lookup(name, node) {
                None => BUILTINS
                    .binary_search(&name)
                    .is_ok()
                    .then(|| name.to_string()),
                Some(Binding::Import(i)) => Some(self.imports[i].qualified.clone()),
                Some(Binding::Other) => None,
            }
        } else if kind == k.attribute {
            let object = node.child_by_field_id(f.object)?;
            let attr = node.child_by_field_id(f.attribute)?;
            let base = self.resolve(object, src)?;
            Some(crate::normalize(&format!("{base}.{}", text(attr, src))))
        } else {
            None
        }
    }

    /// The text inside the plain string literals of annotations, as byte
    /// ranges (`asyncio.Lock | None` of `x: "asyncio.Lock | None"`).
    pub fn annotation_strings(&self) -> &[Range<usize>] {
        &self.annotation_strings
    }

    /// What a dotted name written as text means through the module's own
    /// imports (`asyncio.Lock` in a string annotation): the same answer
    /// [`Self::resolve`] gives for the code it spells at module level.
    pub fn resolve_dotted(&self, dotted: &str) -> Option<String> {
        let (head, rest) = dotted.split_once('.').unwrap_or((dotted, ""));
        let import = self
            .imports
            .iter()
            .find(|b| b.module_level && b.local == head)?;
        Some(match rest {
            "" => import.qualified.clone(),
            _ => crate::normalize(&format!("{}.{rest}", import.qualified)),
        })
    }

    /// One binding out of several in a scope: imports of the same thing agree;
    /// anything else is ambiguous and counts as `Other`.
    fn decide(&self, bindings: &[Binding]) -> Binding {
        let first = bindings[0];
        let agree = bindings.iter().all(|b| match (b, first) {
            (Binding::Import(i), Binding::Import(j)) => {
                self.imports[*i].qualified == self.imports[j].qualified
            }
            _ => false,
        });
        if bindings.len() == 1 || agree {
            first
        } else {
            Binding::Other
        }
    }

    /// Every use of one of the imported names `locals`: its identifier's
    /// range and the import it refers to (an index into [`Self::imports`]).
    pub fn import_references(
        &self,
        src: &str,
        locals: &[&str],
    ) -> Vec<(std::ops::Range<usize>, usize)> {
        self.idents
            .iter()
            .filter(|i| i.reference)
            .filter_map(|ident| {
                let name = &src[ident.range.0..ident.range.1];
                if !locals.contains(&name) {
                    return None;
                }
                match self.lookup_in(name, ident.scope) {
                    Some(Binding::Import(i)) => Some((ident.range.0..ident.range.1, i)),
                    _ => None,
                }
            })
            .collect()
    }

    /// How many references each import binding has in `tree` (same order as
    /// [`Self::imports`]).
    pub fn reference_counts(&self, tree: &Tree, src: &str) -> Vec<usize> {
        let mut counts = vec![0; self.imports.len()];
        for ident in self.idents.iter().filter(|i| i.reference) {
            let name = &src[ident.range.0..ident.range.1];
            if let Some(Binding::Import(i)) = self.lookup_in(name, ident.scope) {
                counts[i] += 1;
            }
        }
        // Names re-exported through `__all__` count as used.
        if counts.contains(&0) {
            let all = all_statements(tree, src);
            for (i, imp) in self.imports.iter().enumerate() {
                if counts[i] == 0 && mentions_in_all(&all, &imp.local) {
                    counts[i] = 1;
                }
            }
        }
        // So do names in string annotations (`lock: "asyncio.Lock"`), as
        // for ruff and type checkers.
        if counts.contains(&0) {
            for r in &self.annotation_strings {
                for name in syntax::dotted_names_in_text(src, r.clone()) {
                    let head = src[name].split('.').next().unwrap_or_default();
                    for (i, imp) in self.imports.iter().enumerate() {
                        if counts[i] == 0 && imp.local == head {
                            counts[i] = 1;
                        }
                    }
                }
            }
        }
        counts
    }
}

/// Whether an identifier with this parent kind, at this index among the
/// parent's named children, is a use of a name. Which field it is follows
/// from the index (asking tree-sitter for the field searches the parent's
/// children): an attribute's object is its first named child and its name
/// comes after; a keyword argument's, definition's or parameter's name is
/// first. Debug builds check that against the field.
fn is_reference<'t>(
    k: &Kinds,
    parent: Option<u16>,
    index: u32,
    field: impl FnOnce() -> Option<&'t str>,
) -> bool {
    let Some(p) = parent else {
        return false;
    };
    if p == k.attribute {
        let is_name = index > 0;
        debug_assert_eq!(is_name, field() == Some("attribute"));
        !is_name
    } else if [
        k.keyword_argument,
        k.function_definition,
        k.class_definition,
        k.default_parameter,
        k.typed_default_parameter,
    ]
    .contains(&p)
    {
        let is_name = index == 0;
        debug_assert_eq!(is_name, field() == Some("name"));
        !is_name
    } else {
        ![
            k.dotted_name,
            k.aliased_import,
            k.import_statement,
            k.import_from_statement,
            k.parameters,
            k.lambda_parameters,
            k.typed_parameter,
            k.list_splat_pattern,
            k.dictionary_splat_pattern,
            k.global_statement,
            k.nonlocal_statement,
        ]
        .contains(&p)
    }
}

/// The module's statements that start with `__all__`, as text.
fn all_statements<'s>(tree: &Tree, src: &'s str) -> Vec<&'s str> {
    syntax::named_children(tree.root_node())
        .into_iter()
        .map(|stmt| text(stmt, src))
        .filter(|t| t.starts_with("__all__"))
        .collect()
}

/// The text between the quotes of a string literal with no interpolation
/// (no `f` or `t` prefix), as a byte range.
fn plain_string_text(string: Node, src: &str) -> Option<Range<usize>> {
    let text = text(string, src);
    let open = text.find(['"', '\''])?;
    if text[..open].contains(['f', 'F', 't', 'T']) {
        return None;
    }
    let quote = &text[open..=open];
    let width = if text[open..].starts_with(&quote.repeat(3)) && text.len() >= open + 6 {
        3
    } else {
        1
    };
    let (start, end) = (
        string.start_byte() + open + width,
        string.end_byte() - width,
    );
    (start <= end).then_some(start..end)
}

/// Whether one of the `__all__` statements names `name` in a string.
fn mentions_in_all(all: &[&str], name: &str) -> bool {
    all.iter()
        .any(|t| t.contains(&format!("\"{name}\"")) || t.contains(&format!("'{name}'")))
}

/// Python's builtin names (CPython 3.11 `dir(builtins)`, public ones), sorted.
const BUILTINS: &[&str] = &[
    "ArithmeticError",
    "AssertionError",
    "AttributeError",
    "BaseException",
    "BaseExceptionGroup",
    "BlockingIOError",
    "BrokenPipeError",
    "BufferError",
    "BytesWarning",
    "ChildProcessError",
    "ConnectionAbortedError",
    "ConnectionError",
    "ConnectionRefusedError",
    "ConnectionResetError",
    "DeprecationWarning",
    "EOFError",
    "Ellipsis",
    "EncodingWarning",
    "EnvironmentError",
    "Exception",
    "ExceptionGroup",
    "False",
    "FileExistsError",
    "FileNotFoundError",
    "FloatingPointError",
    "FutureWarning",
    "GeneratorExit",
    "IOError",
    "ImportError",
    "ImportWarning",
    "IndentationError",
    "IndexError",
    "InterruptedError",
    "IsADirectoryError",
    "KeyError",
    "KeyboardInterrupt",
    "LookupError",
    "MemoryError",
    "ModuleNotFoundError",
    "NameError",
    "None",
    "NotADirectoryError",
    "NotImplemented",
    "NotImplementedError",
    "OSError",
    "OverflowError",
    "PendingDeprecationWarning",
    "PermissionError",
    "ProcessLookupError",
    "RecursionError",
    "ReferenceError",
    "ResourceWarning",
    "RuntimeError",
    "RuntimeWarning",
    "StopAsyncIteration",
    "StopIteration",
    "SyntaxError",
    "SyntaxWarning",
    "SystemError",
    "SystemExit",
    "TabError",
    "TimeoutError",
    "True",
    "TypeError",
    "UnboundLocalError",
    "UnicodeDecodeError",
    "UnicodeEncodeError",
    "UnicodeError",
    "UnicodeTranslateError",
    "UnicodeWarning",
    "UserWarning",
    "ValueError",
    "Warning",
    "ZeroDivisionError",
    "abs",
    "aiter",
    "all",
    "anext",
    "any",
    "ascii",
    "bin",
    "bool",
    "breakpoint",
    "bytearray",
    "bytes",
    "callable",
    "chr",
    "classmethod",
    "compile",
    "complex",
    "copyright",
    "credits",
    "delattr",
    "dict",
    "dir",
    "divmod",
    "enumerate",
    "eval",
    "exec",
    "exit",
    "filter",
    "float",
    "format",
    "frozenset",
    "getattr",
    "globals",
    "hasattr",
    "hash",
    "help",
    "hex",
    "id",
    "input",
    "int",
    "isinstance",
    "issubclass",
    "iter",
    "len",
    "license",
    "list",
    "locals",
    "map",
    "max",
    "memoryview",
    "min",
    "next",
    "object",
    "oct",
    "open",
    "ord",
    "pow",
    "print",
    "property",
    "quit",
    "range",
    "repr",
    "reversed",
    "round",
    "set",
    "setattr",
    "slice",
    "sorted",
    "staticmethod",
    "str",
    "sum",
    "super",
    "tuple",
    "type",
    "vars",
    "zip",
];
