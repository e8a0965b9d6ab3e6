use crate::SemanticModel;
use syntax::{preorder, text};

/// Resolves every call's function in `src`, in order.
fn resolved_calls(src: &str) -> Vec<Option<String>> {
    let tree = syntax::parse(src);
    let model = SemanticModel::build(&tree, src);
    preorder(tree.root_node())
        .filter(|(n, _)| n.kind() == "call")
        .map(|(n, _)| model.resolve(n.child_by_field_name("function").unwrap(), src))
        .collect()
}

#[test]
fn import_forms_resolve() {
    let src = "import asyncio\nimport asyncio as aio\nfrom asyncio import sleep as s\nfrom asyncio.tasks import gather\nimport asyncio.subprocess\n\
               asyncio.sleep(1)\naio.sleep(1)\ns(1)\ngather()\nasyncio.tasks.sleep(1)\n";
    let got = resolved_calls(src);
    assert_eq!(
        got,
        vec![Some("asyncio.sleep".to_string()); 2]
            .into_iter()
            .chain([
                Some("asyncio.sleep".into()),
                Some("asyncio.gather".into()),
                Some("asyncio.sleep".into())
            ])
            .collect::<Vec<_>>()
    );
}

#[test]
fn shadowing_hides_imports() {
    let src = "from asyncio import sleep\nimport asyncio\n\
               def f(sleep):\n    sleep(1)\n\
               def g():\n    asyncio = object()\n    asyncio.sleep(1)\n\
               def h():\n    sleep(2)\n\
               class C:\n    sleep = 3\n    def m(self):\n        sleep(4)\n\
               [sleep(5) for sleep in []]\n";
    let got = resolved_calls(src);
    assert_eq!(
        got,
        vec![
            None,
            Some("object".into()),
            None,
            Some("asyncio.sleep".into()),
            Some("asyncio.sleep".into()),
            None
        ]
    );
}

#[test]
fn module_level_rebinding_is_ambiguous() {
    let got = resolved_calls("from asyncio import sleep\nsleep = print\nsleep(1)\n");
    assert_eq!(got, vec![None]);
}

#[test]
fn builtins_resolve_to_themselves() {
    let got = resolved_calls("TimeoutError()\nlen([])\n");
    assert_eq!(got, vec![Some("TimeoutError".into()), Some("len".into())]);
}

#[test]
fn reference_counts_ignore_attribute_names_and_imports() {
    let src = "import asyncio\nimport os\nx.asyncio = 1\nos.getcwd()\n";
    let tree = syntax::parse(src);
    let model = SemanticModel::build(&tree, src);
    assert_eq!(model.reference_counts(&tree, src), vec![0, 1]);
    assert!(text(tree.root_node(), src).contains("os"));
}

#[test]
fn star_imports_are_recorded() {
    let src = "from asyncio import *\n";
    let tree = syntax::parse(src);
    let model = SemanticModel::build(&tree, src);
    assert_eq!(model.star_imports.len(), 1);
    assert_eq!(model.star_imports[0].0, "asyncio");
}

#[test]
fn unbound_names_are_not_modules() {
    let got = resolved_calls("async def f():\n    await asyncio.sleep(1)\n");
    assert_eq!(got, vec![None]);
}

#[test]
fn names_in_f_strings_count_and_plain_strings_hold_none() {
    let src = "import asyncio\nx = f\"{asyncio.sleep}\"\ny = t'{asyncio}'\nz = \"{asyncio}\" + rb'asyncio'\n";
    let tree = syntax::parse(src);
    let model = SemanticModel::build(&tree, src);
    // The f-string's and the t-string's `asyncio`, not the plain strings' text.
    assert_eq!(model.reference_counts(&tree, src), vec![2]);
}

#[test]
fn a_name_in_all_counts_as_used() {
    let src = "from asyncio import sleep, gather, wait\n__all__ = [\"sleep\",\n    'gather']\n";
    let tree = syntax::parse(src);
    let model = SemanticModel::build(&tree, src);
    assert_eq!(model.reference_counts(&tree, src), vec![1, 1, 0]);
}

#[test]
fn a_name_in_a_string_annotation_counts_as_used() {
    // `asyncio` and `Queue` are written in annotations; `os` only in a
    // plain string, which is no use; an f-string annotation is not read.
    let src = "import asyncio\nimport os\nfrom queue import Queue\n\ndef f(lock: \"asyncio.Lock | None\") -> Optional['Queue']:\n    x: f\"{y}\" = 'os.sep'\n";
    let tree = syntax::parse(src);
    let model = SemanticModel::build(&tree, src);
    assert_eq!(model.reference_counts(&tree, src), vec![1, 0, 1]);
}

#[test]
fn dotted_text_resolves_through_the_module_imports() {
    let src = "import asyncio as aio\nfrom asyncio import Lock\n";
    let tree = syntax::parse(src);
    let model = SemanticModel::build(&tree, src);
    assert_eq!(
        model.resolve_dotted("aio.Event").as_deref(),
        Some("asyncio.Event")
    );
    assert_eq!(
        model.resolve_dotted("aio.locks.Lock").as_deref(),
        Some("asyncio.Lock")
    );
    assert_eq!(
        model.resolve_dotted("Lock").as_deref(),
        Some("asyncio.Lock")
    );
    assert_eq!(model.resolve_dotted("asyncio.Lock"), None);
}

#[test]
fn annotation_strings_are_the_text_between_the_quotes() {
    let src = "a: r\"asyncio.Lock\"\nb: '''x.Y'''\nc: f\"{z}\"\nd = \"not.annotated\"\n";
    let tree = syntax::parse(src);
    let model = SemanticModel::build(&tree, src);
    let texts: Vec<&str> = model
        .annotation_strings()
        .iter()
        .map(|r| &src[r.clone()])
        .collect();
    assert_eq!(texts, ["asyncio.Lock", "x.Y"]);
}
