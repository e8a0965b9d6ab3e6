//! Property tests over inputs made by mutating the fixtures, the programs
//! and the demo: other indentation units, CRLF newlines, a BOM, comments on
//! their own lines and at line ends. For every mutated input that parses:
//! the pipeline does not panic, its output parses, a second run changes
//! nothing, and every comment survives a safe run. `PROPTEST_CASES` sets
//! how many inputs are tried (`make fuzz` tries many more).

use engine::{migrate_bytes, Options, Prefilter};
use proptest::prelude::*;
use std::path::{Path, PathBuf};
use transforms::{Registry, Selection};

fn inputs() -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut files: Vec<PathBuf> = Vec::new();
    for dir in [
        "testdata/fixtures",
        "testdata/programs",
        "testdata/demo/demo_app",
        "testdata/demo/tests",
    ] {
        for e in std::fs::read_dir(root.join(dir)).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x == "py") {
                files.push(p);
            }
        }
    }
    files.sort();
    files
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect()
}

/// One way to change a file without changing what it means.
#[derive(Debug, Clone)]
enum Mutation {
    /// Re-indent with this unit (two, three or eight spaces, or a tab).
    Indent(&'static str),
    /// A comment line before line `n` (modulo the line count).
    CommentLine(usize),
    /// A comment at the end of line `n`.
    TrailingComment(usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        prop::sample::select(vec!["  ", "   ", "        ", "\t"]).prop_map(Mutation::Indent),
        any::<usize>().prop_map(Mutation::CommentLine),
        any::<usize>().prop_map(Mutation::TrailingComment),
    ]
}

fn apply(text: &str, m: &Mutation) -> String {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    if lines.is_empty() {
        return text.to_string();
    }
    match m {
        Mutation::Indent(unit) => lines
            .iter()
            .map(|l| {
                let spaces = l.len() - l.trim_start_matches(' ').len();
                format!(
                    "{}{}{}",
                    unit.repeat(spaces / 4),
                    " ".repeat(spaces % 4),
                    &l[spaces..]
                )
            })
            .collect(),
        Mutation::CommentLine(n) => {
            let k = n % lines.len();
            let indent: String = lines[k]
                .chars()
                .take_while(|c| *c == ' ' || *c == '\t')
                .collect();
            let mut out: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
            out.insert(k, format!("{indent}# fuzz: asyncio.sleep(1) await x\n"));
            out.concat()
        }
        Mutation::TrailingComment(n) => {
            let k = n % lines.len();
            let body = lines[k].trim_end_matches(['\n', '\r']);
            if body.trim().is_empty() || body.ends_with('\\') {
                return text.to_string();
            }
            let mut out: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
            out[k] = format!("{body}  # fuzz note{}", &lines[k][body.len()..]);
            out.concat()
        }
    }
}

fn comments(text: &str) -> Vec<String> {
    let tree = syntax::parse(text);
    let mut out: Vec<String> = syntax::preorder(tree.root_node())
        .filter(|(n, _)| n.kind() == "comment")
        .map(|(n, _)| syntax::text(n, text).trim().to_string())
        .collect();
    out.sort();
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn mutated_inputs_keep_the_invariants(
        pick in any::<usize>(),
        mutations in prop::collection::vec(mutation(), 0..4),
        crlf in any::<bool>(),
        bom in any::<bool>(),
        unsafe_fixes in any::<bool>(),
    ) {
        let all = inputs();
        let mut text = all[pick % all.len()].clone();
        for m in &mutations {
            text = apply(&text, m);
        }
        if crlf {
            text = text.replace("\r\n", "\n").replace('\n', "\r\n");
        }
        // Only inputs that parse: a mutation may have produced an invalid file.
        prop_assume!(syntax::parse_clean(&text).is_ok());
        let mut bytes = Vec::new();
        if bom {
            bytes.extend_from_slice(b"\xEF\xBB\xBF");
        }
        bytes.extend_from_slice(text.as_bytes());

        let registry = Registry::load();
        let enabled = registry.enabled(&Selection::default());
        let opts = Options { unsafe_fixes, ..Options::default() };
        let prefilter = Prefilter::disabled();
        let out = migrate_bytes(&bytes, &enabled, &prefilter, &opts).expect("a parsing input migrates");
        prop_assert!(out.internal_errors.is_empty(), "internal errors: {:?}", out.internal_errors);
        prop_assert!(syntax::parse_clean(&out.migrated).is_ok(), "output does not parse:\n{}", out.migrated);
        let again = migrate_bytes(&out.migrated_bytes(), &enabled, &prefilter, &opts).unwrap();
        prop_assert_eq!(&again.migrated, &out.migrated, "a second run changed the output");
        prop_assert_eq!(out.migrated_bytes().starts_with(b"\xEF\xBB\xBF"), bom);
        if crlf {
            prop_assert!(!out.migrated.replace("\r\n", "").contains('\n'), "a bare LF in a CRLF file");
        }
        if !unsafe_fixes {
            let before = comments(&text);
            let after = comments(&out.migrated);
            let lost: Vec<&String> = before.iter().filter(|c| !after.contains(c)).collect();
            // The event_loop fixture removal (AM606) deletes its own body's comments by design.
            prop_assert!(lost.is_empty() || text.contains("def event_loop"), "comments lost: {:?}", lost);
        }
    }
}
