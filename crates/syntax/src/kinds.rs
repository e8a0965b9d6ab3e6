//! Node kinds and field names as the grammar's numeric ids, resolved once.
//!
//! `Node::kind()` turns the grammar's C string into a `&str` on every call (a
//! `strlen` and a UTF-8 check), `TreeCursor::field_name()` does the same, and
//! `Node::child_by_field_name()` first searches the grammar's field names for
//! the one asked for. The walks over every node of a file compare ids instead.
//!
//! A node's `kind_id()` is the grammar's public symbol, shared by every
//! symbol of the same name and namedness, so comparing it with the id of a
//! named kind is the same test as comparing `kind()` with that name for a
//! named node (checked over the benchmark corpus and the test data).

use std::collections::HashMap;
use std::sync::LazyLock;
use tree_sitter::Language;

/// The Python grammar.
pub fn language() -> Language {
    LANGUAGE.clone()
}

/// The name of a node kind (`call`), as long-lived as the grammar.
pub fn kind_name(id: u16) -> &'static str {
    let lang: &'static Language = &LANGUAGE;
    lang.node_kind_for_id(id).unwrap_or("ERROR")
}

static LANGUAGE: LazyLock<Language> = LazyLock::new(|| tree_sitter_python::LANGUAGE.into());

macro_rules! ids {
    ($(#[$meta:meta])* $ty:ident, $lookup:ident, { $($field:ident = $name:literal,)* }) => {
        $(#[$meta])*
        #[derive(Debug)]
        pub struct $ty {
            $(pub $field: u16,)*
        }

        impl $ty {
            fn load(lang: &Language) -> Self {
                $ty {
                    $($field: $lookup(lang, $name),)*
                }
            }
        }
    };
}

fn named_kind(lang: &Language, name: &str) -> u16 {
    let id = lang.id_for_node_kind(name, true);
    assert!(id != 0, "`{name}` is not a named node kind of the grammar");
    id
}

fn field(lang: &Language, name: &str) -> u16 {
    lang.field_id_for_name(name)
        .unwrap_or_else(|| panic!("`{name}` is not a field of the grammar"))
        .get()
}

ids!(
    /// Ids of the named node kinds the code tests for or looks up: a
    /// misspelt field does not compile, a misspelt name panics when the
    /// grammar loads (and the unit test below loads it).
    Kinds, named_kind, {
        aliased_import = "aliased_import",
        as_pattern = "as_pattern",
        as_pattern_target = "as_pattern_target",
        assignment = "assignment",
        attribute = "attribute",
        augmented_assignment = "augmented_assignment",
        await_ = "await",
        block = "block",
        call = "call",
        class_definition = "class_definition",
        comment = "comment",
        decorator = "decorator",
        default_parameter = "default_parameter",
        dictionary_comprehension = "dictionary_comprehension",
        dictionary_splat_pattern = "dictionary_splat_pattern",
        dotted_name = "dotted_name",
        expression_list = "expression_list",
        for_in_clause = "for_in_clause",
        for_statement = "for_statement",
        function_definition = "function_definition",
        generator_expression = "generator_expression",
        global_statement = "global_statement",
        identifier = "identifier",
        import_from_statement = "import_from_statement",
        import_statement = "import_statement",
        keyword_argument = "keyword_argument",
        line_continuation = "line_continuation",
        lambda = "lambda",
        lambda_parameters = "lambda_parameters",
        list = "list",
        list_comprehension = "list_comprehension",
        list_pattern = "list_pattern",
        list_splat_pattern = "list_splat_pattern",
        named_expression = "named_expression",
        nonlocal_statement = "nonlocal_statement",
        parameters = "parameters",
        parenthesized_expression = "parenthesized_expression",
        pattern_list = "pattern_list",
        set_comprehension = "set_comprehension",
        string = "string",
        tuple = "tuple",
        tuple_pattern = "tuple_pattern",
        type_ = "type",
        typed_default_parameter = "typed_default_parameter",
        typed_parameter = "typed_parameter",
        wildcard_import = "wildcard_import",
        with_statement = "with_statement",
    }
);

ids!(
    /// Ids of the fields the whole-file walks read.
    Fields, field, {
        alias = "alias",
        attribute = "attribute",
        function = "function",
        left = "left",
        module_name = "module_name",
        name = "name",
        object = "object",
        parameters = "parameters",
    }
);

struct Ids {
    kinds: Kinds,
    fields: Fields,
    /// Every named kind's id by its name, for kinds named at run time.
    by_name: HashMap<&'static str, u16>,
}

static IDS: LazyLock<Ids> = LazyLock::new(|| {
    let lang: &'static Language = &LANGUAGE;
    let by_name = (0..lang.node_kind_count() as u16)
        .filter(|&id| lang.node_kind_is_named(id) && lang.node_kind_is_visible(id))
        .filter_map(|id| {
            let name = lang.node_kind_for_id(id)?;
            // The public id: the one nodes of this kind carry.
            Some((name, lang.id_for_node_kind(name, true)))
        })
        .collect();
    Ids {
        kinds: Kinds::load(lang),
        fields: Fields::load(lang),
        by_name,
    }
});

/// The node kind ids (`kinds().call`).
pub fn kinds() -> &'static Kinds {
    &IDS.kinds
}

/// The field ids (`fields().function`).
pub fn fields() -> &'static Fields {
    &IDS.fields
}

/// A named node kind: an id from [`kinds()`], or a name (`"call"`), which
/// must be one of the grammar's.
pub trait NodeKind {
    /// The kind's id.
    ///
    /// # Panics
    /// For a name the grammar has no named node kind of: a misspelt kind
    /// is a bug, not a kind with no nodes.
    fn id(&self) -> u16;
}

impl NodeKind for u16 {
    fn id(&self) -> u16 {
        *self
    }
}

impl NodeKind for str {
    fn id(&self) -> u16 {
        kind_id(self).unwrap_or_else(|| panic!("`{self}` is not a named node kind of the grammar"))
    }
}

impl<K: NodeKind + ?Sized> NodeKind for &K {
    fn id(&self) -> u16 {
        (**self).id()
    }
}

/// The id of a named node kind given by name, `None` if the grammar has none.
pub fn kind_id(name: &str) -> Option<u16> {
    IDS.by_name.get(name).copied()
}

/// The number of node kind ids (an upper bound for indexing by id).
pub fn kind_count() -> usize {
    language().node_kind_count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_agree_with_names() {
        let src =
            "import a.b as c\nfrom m import *\nx: int = (lambda y, *z, **w: y)([i for i in j])\n\
                   with f() as (p, [q]):\n    match v:\n        case [1] as r: pass\n";
        let tree = crate::parse(src);
        let mut seen = 0;
        for (node, _) in crate::preorder(tree.root_node()) {
            if node.is_named() {
                assert_eq!(
                    kind_id(node.kind()),
                    Some(node.kind_id()),
                    "{}",
                    node.kind()
                );
                seen += 1;
            }
        }
        assert!(seen > 30);
        assert_eq!(kind_id("call"), Some(kinds().call));
        assert_eq!(kind_id("no_such_kind"), None);
        assert_eq!("call".id(), kinds().call);
        assert_eq!(kinds().call.id(), kinds().call);
        assert!(std::panic::catch_unwind(|| "no_such_kind".id()).is_err());
        let call = tree.root_node().named_child(2).unwrap();
        assert!(call.child_by_field_id(fields().name).is_none());
    }
}
