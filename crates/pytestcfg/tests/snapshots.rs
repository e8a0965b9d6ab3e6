//! Every configuration and dependency file of the sample projects and of
//! `testdata/config-fixtures/` migrates to a reviewed snapshot (the diff and
//! the notes), and migrating the result again changes nothing.

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn config_files() -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![
        root().join("testdata/pytest-projects"),
        root().join("testdata/config-fixtures"),
        root().join("testdata/demo"),
    ];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if pytestcfg::kind_of(&p).is_some() {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

#[test]
fn config_snapshots_and_idempotency() {
    let files = config_files();
    assert!(
        files.len() >= 8,
        "expected config fixtures, found {files:?}"
    );
    let mut failed = Vec::new();
    for path in files {
        let kind = pytestcfg::kind_of(&path).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let rel = path.strip_prefix(root()).unwrap().display().to_string();
        let rendered = match pytestcfg::migrate(kind, &text, &pytestcfg::Options::new("4.16")) {
            Ok(m) => {
                let again =
                    pytestcfg::migrate(kind, &m.text, &pytestcfg::Options::new("4.16")).unwrap();
                assert_eq!(again.text, m.text, "{rel}: a second run changed it");
                let notes: String = m
                    .notes
                    .iter()
                    .map(|n| format!("{}: {} {}\n", n.line, n.code, n.message))
                    .collect();
                let diff = similar::TextDiff::from_lines(&text, &m.text)
                    .unified_diff()
                    .header(&rel, &rel)
                    .to_string();
                format!("{notes}---\n{diff}")
            }
            Err(e) => format!("error: {e}\n"),
        };
        let name = rel.replace(['/', '.'], "_");
        let result = std::panic::catch_unwind(|| {
            insta::with_settings!({ snapshot_path => root().join("testdata/config-fixtures/snapshots"), prepend_module_to_snapshot => false, omit_expression => true }, {
                insta::assert_snapshot!(name.clone(), rendered);
            });
        });
        if result.is_err() {
            failed.push(name);
        }
    }
    assert!(
        failed.is_empty(),
        "snapshots differ: {failed:?} (review the .snap.new files)"
    );
}
