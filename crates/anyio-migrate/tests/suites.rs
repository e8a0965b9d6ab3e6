//! pytest suites move to anyio's plugin all or nothing, and facts about the
//! whole program keep rewrites that would be wrong for it.

mod common;
use common::{run, text, tree};

const PYPROJECT: &str = "[project]\nname = \"p\"\n\n[project.optional-dependencies]\ntest = [\"pytest\", \"pytest-asyncio\"]\n\n[tool.pytest.ini_options]\ntestpaths = [\"tests\"]\n";
const CONFTEST: &str =
    "import pytest_asyncio\n\n\n@pytest_asyncio.fixture\nasync def db():\n    return 1\n";
const TEST_A: &str = "import pytest\n\n\n@pytest.mark.asyncio\nasync def test_a(db):\n    assert db == 1\n\n\ndef test_sync(db):\n    assert db\n";
const TEST_B: &str = "import pytest\n\n\n@pytest.mark.asyncio\nasync def test_b():\n    pass\n";

fn project() -> tempfile::TempDir {
    tree(&[
        ("pyproject.toml", PYPROJECT.as_bytes()),
        ("tests/conftest.py", CONFTEST.as_bytes()),
        ("tests/test_a.py", TEST_A.as_bytes()),
        ("tests/test_b.py", TEST_B.as_bytes()),
    ])
}

fn read(dir: &tempfile::TempDir, name: &str) -> String {
    std::fs::read_to_string(dir.path().join(name)).unwrap_or_default()
}

#[test]
fn a_strict_suite_without_asyncio_mode_moves_whole() {
    let dir = project();
    let out = run(&["--write", "."], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let a = read(&dir, "tests/test_a.py");
    assert!(
        a.contains("@pytest.mark.anyio") && !a.contains("mark.asyncio"),
        "{a}"
    );
    // The sync test of an async fixture can still get it.
    assert!(a.contains("def test_sync(db, anyio_backend):"), "{a}");
    assert!(read(&dir, "tests/conftest.py").contains("@pytest.fixture\nasync def db"));
    let conftest = read(&dir, "conftest.py");
    assert!(conftest.contains("def anyio_backend():"), "{conftest}");
    let pyproject = read(&dir, "pyproject.toml");
    assert!(
        pyproject.contains("anyio>=") && !pyproject.contains("pytest-asyncio"),
        "{pyproject}"
    );
}

#[test]
fn every_requirement_list_leaves_pytest_asyncio_with_the_suite() {
    let dir = project();
    for (name, body) in [
        ("test-requirements.txt", "pytest\npytest-asyncio>=0.23\n"),
        ("requirements/dev.in", "pytest-asyncio==0.23.5\nruff\n"),
    ] {
        std::fs::create_dir_all(dir.path().join(name).parent().unwrap()).unwrap();
        std::fs::write(dir.path().join(name), body).unwrap();
    }
    let out = run(&["--write", "."], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    for name in ["test-requirements.txt", "requirements/dev.in"] {
        let list = read(&dir, name);
        assert!(
            !list.contains("pytest-asyncio") && list.contains("anyio>="),
            "{name}: {list}"
        );
    }
    assert!(read(&dir, "requirements/dev.in").contains("ruff"));
}

#[test]
fn the_configuration_moves_with_the_suite_when_not_given() {
    let dir = project();
    let out = run(&["--write", "tests"], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(read(&dir, "tests/test_b.py").contains("@pytest.mark.anyio"));
    assert!(read(&dir, "pyproject.toml").contains("anyio>="));
    assert!(read(&dir, "conftest.py").contains("def anyio_backend():"));
}

#[test]
fn part_of_a_suite_stays_on_pytest_asyncio_and_says_why() {
    let dir = project();
    let out = run(&["--write", "tests/test_a.py"], dir.path());
    let err = text(&out.stderr);
    assert_eq!(read(&dir, "tests/test_a.py"), TEST_A, "{err}");
    assert_eq!(read(&dir, "pyproject.toml"), PYPROJECT);
    assert!(!dir.path().join("conftest.py").exists());
    assert!(
        err.contains("AM601")
            && err.contains("only part of it was given")
            && err.contains("uses pytest-asyncio too"),
        "{err}"
    );
}

/// `tests/conftest.py` with the suite's async fixture and `extra` after it.
fn conftest_with(dir: &tempfile::TempDir, extra: &str) {
    let text = format!("{CONFTEST}\n\n{extra}").replace(
        "import pytest_asyncio\n",
        "import asyncio\n\nimport pytest\nimport pytest_asyncio\n",
    );
    std::fs::write(dir.path().join("tests/conftest.py"), text).unwrap();
}

#[test]
fn a_custom_event_loop_moves_with_its_loop_factory() {
    let dir = project();
    conftest_with(
        &dir,
        "@pytest.fixture(params=[asyncio.DefaultEventLoopPolicy()])\ndef event_loop_policy(request):\n    return request.param\n",
    );
    let out = run(&["--write", "."], dir.path());
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        read(&dir, "tests/test_a.py").contains("@pytest.mark.anyio"),
        "{err}"
    );
    let conftest = read(&dir, "tests/conftest.py");
    assert!(
        conftest.contains("def event_loop_policy(request):\n    return request.param\n\n\n@pytest.fixture(autouse=True)\ndef anyio_backend(event_loop_policy):\n    return (\"asyncio\", {\"loop_factory\": event_loop_policy.new_event_loop})\n"),
        "{conftest}"
    );
}

#[test]
fn a_custom_event_loop_without_a_faithful_form_keeps_the_suite_on_pytest_asyncio() {
    let dir = project();
    conftest_with(
        &dir,
        "def pytest_asyncio_loop_factories(config, item):\n    if item.get_closest_marker(\"slow\"):\n        return {\"slow\": asyncio.new_event_loop}\n    return {\"default\": asyncio.new_event_loop}\n",
    );
    let out = run(&["--write", "."], dir.path());
    let err = text(&out.stderr);
    assert_eq!(read(&dir, "tests/test_a.py"), TEST_A, "{err}");
    assert_eq!(read(&dir, "pyproject.toml"), PYPROJECT);
    assert!(
        err.contains("pytest_asyncio_loop_factories") && err.contains("stays on pytest-asyncio"),
        "{err}"
    );
}

#[test]
fn a_plugin_needing_pytest_asyncio_in_the_dependency_files_keeps_the_suite() {
    // A requirement list named the other way round, beside the suite.
    let dir = project();
    std::fs::write(
        dir.path().join("test-requirements.txt"),
        "pytest\npytest-aiohttp>=1.0\n",
    )
    .unwrap();
    let out = run(&["--write", "."], dir.path());
    let err = text(&out.stderr);
    assert_eq!(read(&dir, "tests/test_a.py"), TEST_A, "{err}");
    assert!(
        err.contains("`test-requirements.txt` requires `pytest-aiohttp`")
            && err.contains("stays on pytest-asyncio"),
        "{err}"
    );
    // The project's pyproject.toml above a suite whose root is `tests/`.
    let pyproject = "[project]\nname = \"p\"\n\n[dependency-groups]\ntest = [\"pytest-asyncio\", \"pytest-aiohttp\"]\n";
    let dir = tree(&[
        ("pyproject.toml", pyproject.as_bytes()),
        ("tests/pytest.ini", b"[pytest]\nasyncio_mode = auto\n"),
        ("tests/test_b.py", TEST_B.as_bytes()),
    ]);
    let out = run(&["--write", "."], dir.path());
    let err = text(&out.stderr);
    assert_eq!(read(&dir, "tests/test_b.py"), TEST_B, "{err}");
    assert!(
        err.contains("`pyproject.toml` requires `pytest-aiohttp`"),
        "{err}"
    );
    // Named only in a comment, it keeps nothing.
    let dir = project();
    std::fs::write(
        dir.path().join("requirements-dev.txt"),
        "pytest\n# pytest-aiohttp, some day\n",
    )
    .unwrap();
    let out = run(&["--write", "."], dir.path());
    assert!(
        read(&dir, "tests/test_a.py").contains("@pytest.mark.anyio"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn a_loop_run_forever_keeps_asyncio_threads() {
    let code = "import asyncio\n\n\nasync def read(path):\n    return await asyncio.to_thread(open, path)\n";
    let main = "import asyncio\n\nloop = asyncio.new_event_loop()\nloop.run_forever()\n";
    let dir = tree(&[
        ("pkg/io.py", code.as_bytes()),
        ("pkg/main.py", main.as_bytes()),
    ]);
    let out = run(&["--write", "."], dir.path());
    let err = text(&out.stderr);
    assert_eq!(read(&dir, "pkg/io.py"), code, "{err}");
    assert!(
        err.contains("AM501") && err.contains("run_forever()"),
        "{err}"
    );
    // Without that loop the same code migrates.
    let dir = tree(&[("pkg/io.py", code.as_bytes())]);
    run(&["--write", "."], dir.path());
    assert!(read(&dir, "pkg/io.py").contains("anyio.to_thread.run_sync"));
}

#[test]
fn context_variables_keep_a_task_awaited_where_it_is_created() {
    let code =
        "import asyncio\n\n\nasync def isolated(f):\n    return await asyncio.create_task(f())\n";
    let state = "import contextvars\n\nlevel = contextvars.ContextVar(\"level\", default=0)\n";
    let dir = tree(&[
        ("pkg/run.py", code.as_bytes()),
        ("pkg/state.py", state.as_bytes()),
    ]);
    let out = run(&["--write", "--unsafe", "."], dir.path());
    let err = text(&out.stderr);
    assert_eq!(read(&dir, "pkg/run.py"), code, "{err}");
    assert!(
        err.contains("AM207") && err.contains("context variables"),
        "{err}"
    );
    // Without context variables the same code migrates.
    let dir = tree(&[("pkg/run.py", code.as_bytes())]);
    run(&["--write", "--unsafe", "."], dir.path());
    assert!(read(&dir, "pkg/run.py").contains("return await f()"));
}

#[test]
fn a_patched_asyncio_name_is_not_rewritten_from_under_the_mock() {
    let code = "import asyncio\n\n\nasync def pause():\n    await asyncio.sleep(1)\n    await asyncio.wait_for(pause(), 1)\n";
    let test = "import asyncio\n\n\ndef test_pause(monkeypatch):\n    monkeypatch.setattr(asyncio, \"sleep\", fake)\n";
    let dir = tree(&[
        ("pkg/a.py", code.as_bytes()),
        ("tests/test_a.py", test.as_bytes()),
    ]);
    let out = run(&["--write", "."], dir.path());
    let err = text(&out.stderr);
    let a = read(&dir, "pkg/a.py");
    assert!(a.contains("await asyncio.sleep(1)"), "{a}");
    assert!(
        a.contains("anyio.fail_after(1)"),
        "the unpatched name still migrates: {a}"
    );
    assert!(err.contains("patches `asyncio.sleep`"), "{err}");
}

#[test]
fn a_patch_in_a_test_module_leaves_other_test_modules_free() {
    let sleeps = "import asyncio\n\n\nasync def test_pause():\n    await asyncio.sleep(0)\n";
    let patcher = "import asyncio\n\n\ndef test_pause(monkeypatch):\n    monkeypatch.setattr(asyncio, \"sleep\", fake)\n    asyncio.run(asyncio.sleep(0))\n";
    let dir = tree(&[
        (
            "pkg/a.py",
            b"import asyncio\n\n\nasync def pause():\n    await asyncio.sleep(1)\n",
        ),
        ("tests/test_patch.py", patcher.as_bytes()),
        ("tests/test_free.py", sleeps.as_bytes()),
        ("tests/test_base.py", sleeps.as_bytes()),
        (
            "tests/test_child.py",
            b"from .test_base import test_pause\n",
        ),
    ]);
    run(&["--write", "."], dir.path());
    // The patch is in force while test_patch.py's tests run: the library
    // code they call stays, and so does a test module another one imports.
    assert!(read(&dir, "pkg/a.py").contains("asyncio.sleep(1)"));
    assert!(read(&dir, "tests/test_base.py").contains("asyncio.sleep(0)"));
    // A test module nothing imports runs only in its own tests.
    let free = read(&dir, "tests/test_free.py");
    assert!(free.contains("await anyio.sleep(0)"), "{free}");
}

#[test]
fn a_primitive_used_elsewhere_as_asyncio_s_stays() {
    let code = "import asyncio\n\n\nclass Pool:\n    def __init__(self):\n        self._closed = asyncio.Event()\n\n    def close(self):\n        self._closed.set()\n";
    let plain = tree(&[("pkg/pool.py", code.as_bytes())]);
    run(&["--write", "."], plain.path());
    assert!(read(&plain, "pkg/pool.py").contains("anyio.Event()"));
    // Another module clears it (anyio's events cannot be), or checks its type.
    for other in [
        "def reopen(pool):\n    pool._closed.clear()\n",
        "import asyncio\n\n\ndef test_type(pool):\n    assert isinstance(pool._closed, asyncio.Event)\n",
    ] {
        let dir = tree(&[("pkg/pool.py", code.as_bytes()), ("pkg/other.py", other.as_bytes())]);
        let out = run(&["--write", "."], dir.path());
        let err = text(&out.stderr);
        assert_eq!(read(&dir, "pkg/pool.py"), code, "{err}");
        assert!(err.contains("AM302") && err.contains("pkg/other.py"), "{err}");
    }
}

#[test]
fn a_read_only_file_of_the_suite_keeps_it_whole() {
    let dir = project();
    let ini = dir.path().join("tests/test_b.py");
    let mut perms = std::fs::metadata(&ini).unwrap().permissions();
    perms.set_readonly(true);
    std::fs::set_permissions(&ini, perms).unwrap();
    let out = run(&["--write", "."], dir.path());
    let err = text(&out.stderr);
    assert_eq!(read(&dir, "tests/test_a.py"), TEST_A, "{err}");
    assert_eq!(read(&dir, "pyproject.toml"), PYPROJECT);
    assert!(err.contains("read-only"), "{err}");
}

#[test]
fn a_package_whose_code_imports_anyio_requires_it() {
    let pkg = "import asyncio\n\n\nasync def fetch(x):\n    await asyncio.sleep(1)\n    return x\n\n\nasync def both():\n    a, b = await asyncio.gather(fetch(1), fetch(2))\n    return a + b\n";
    let pyproject = "[project]\nname = \"pkg\"\ndependencies = [\n    \"attrs>=22\",\n]\n";
    let dir = tree(&[
        ("pyproject.toml", pyproject.as_bytes()),
        ("src/pkg/__init__.py", pkg.as_bytes()),
    ]);
    let out = run(&["--write", "."], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    // `anyio.gather` is 4.15's: the floor the code needs, where it sorts.
    assert_eq!(
        read(&dir, "pyproject.toml"),
        "[project]\nname = \"pkg\"\ndependencies = [\n    \"anyio>=4.15\",\n    \"attrs>=22\",\n]\n"
    );
    // A second run changes nothing.
    let again = run(&["--diff", "."], dir.path());
    assert_eq!(again.status.code(), Some(0), "{}", text(&again.stdout));
    // `--ignore AM602` leaves the dependencies alone.
    let dir = tree(&[
        ("pyproject.toml", pyproject.as_bytes()),
        ("src/pkg/__init__.py", pkg.as_bytes()),
    ]);
    run(&["--write", "--ignore", "AM602", "."], dir.path());
    assert_eq!(read(&dir, "pyproject.toml"), pyproject);
}

#[test]
fn only_tests_importing_anyio_add_no_runtime_dependency() {
    let test = "import asyncio\n\n\nasync def helper():\n    await asyncio.sleep(0)\n";
    let pinned = "[project]\nname = \"pkg\"\ndependencies = [\"anyio==3.7.1\"]\n";
    let dir = tree(&[
        (
            "pyproject.toml",
            b"[project]\nname = \"pkg\"\ndependencies = []\n",
        ),
        ("tests/helpers.py", test.as_bytes()),
        ("examples/demo.py", test.as_bytes()),
    ]);
    run(&["--write", "."], dir.path());
    assert_eq!(
        read(&dir, "pyproject.toml"),
        "[project]\nname = \"pkg\"\ndependencies = []\n"
    );
    // A pin that cannot hold the output is reported, not rewritten.
    let dir = tree(&[
        ("pyproject.toml", pinned.as_bytes()),
        ("pkg/core.py", test.as_bytes()),
    ]);
    let out = run(&["--write", "."], dir.path());
    assert_eq!(read(&dir, "pyproject.toml"), pinned);
    let err = text(&out.stderr);
    assert!(
        err.contains("pyproject.toml:3:1: AM602") && err.contains("`anyio==3.7.1` cannot hold"),
        "{err}"
    );
}

#[test]
fn a_gather_whose_error_another_module_catches_bare_is_unsafe() {
    let net = "import asyncio\n\n\nasync def ping(host):\n    return host\n\n\nasync def ping_both():\n    await asyncio.gather(ping(\"a\"), ping(\"b\"))\n\n\nasync def ping_three():\n    await asyncio.gather(ping(\"a\"), ping(\"b\"), ping(\"c\"))\n";
    let app = "from pkg.net import ping_both, ping_three\n\n\nasync def main():\n    try:\n        await ping_both()\n    except OSError:\n        return None\n    await ping_three()\n";
    let other = "from pkg import store\n\n\nasync def other():\n    try:\n        await store.ping_three()\n    except OSError:\n        pass\n";
    let dir = tree(&[
        ("pkg/__init__.py", b""),
        ("pkg/net.py", net.as_bytes()),
        ("app.py", app.as_bytes()),
        ("other.py", other.as_bytes()),
    ]);
    let out = run(&["--write", "."], dir.path());
    let err = text(&out.stderr);
    let net_after = read(&dir, "pkg/net.py");
    // `ping_both` is caught bare in app.py: reported as unsafe, naming the handler.
    assert!(
        net_after.contains("async def ping_both():\n    await asyncio.gather("),
        "{net_after}"
    );
    assert!(
        err.contains("a caller's `except OSError:` in `app.py` catches the bare error"),
        "{err}"
    );
    // `ping_three` is called outside a try, and `store.ping_three` is another module's.
    assert!(
        net_after
            .contains("async def ping_three():\n    async with anyio.create_task_group() as tg:"),
        "{net_after}"
    );
}

/// The pre-commit hooks are passed exactly the files a directory walk
/// migrates: Python files and the configuration and dependency files.
#[test]
fn the_pre_commit_hooks_pass_the_files_the_walk_reads() {
    let hooks = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../.pre-commit-hooks.yaml"
    ))
    .unwrap();
    let patterns: Vec<regex::Regex> = hooks
        .lines()
        .filter_map(|l| l.trim().strip_prefix("files: '")?.strip_suffix('\''))
        .map(|p| regex::Regex::new(p).unwrap())
        .collect();
    assert_eq!(patterns.len(), 2, "{hooks}");
    for name in [
        "app.py",
        "pkg/stubs.pyi",
        "pyproject.toml",
        "sub/setup.cfg",
        "tox.ini",
        "pytest.ini",
        "requirements.txt",
        "test-requirements.txt",
        "requirements/dev.in",
        "a/requirements-dev.txt",
        "notes.txt",
        "docs/test.txt",
        "mypyproject.toml",
        "requirements/old/x.txt",
    ] {
        let walked = name.ends_with(".py")
            || name.ends_with(".pyi")
            || pytestcfg::kind_of(std::path::Path::new(name)).is_some();
        for p in &patterns {
            assert_eq!(p.is_match(name), walked, "{name} against {p}");
        }
    }
}

/// A folder of several projects, each with its own `pyproject.toml`.
fn two_projects() -> tempfile::TempDir {
    const SETUP_CFG: &str = "[options.extras_require]\ntests =\n    pytest\n    pytest-asyncio\n";
    const PATCHING: &str = "import asyncio\n\n\ndef fast(monkeypatch):\n    monkeypatch.setattr(asyncio, \"sleep\", fake)\n";
    tree(&[
        ("a-lib/pyproject.toml", b"[project]\nname = \"a\"\n"),
        ("a-lib/tests/conftest.py", PATCHING.as_bytes()),
        (
            "a-lib/a.py",
            b"import asyncio\n\n\nasync def f():\n    await asyncio.sleep(1)\n",
        ),
        ("b-lib/pyproject.toml", b"[project]\nname = \"b\"\n"),
        ("b-lib/setup.cfg", SETUP_CFG.as_bytes()),
        (
            "b-lib/b.py",
            b"import asyncio\n\n\nasync def g():\n    await asyncio.sleep(1)\n",
        ),
        ("b-lib/tests/test_b.py", TEST_B.as_bytes()),
    ])
}

#[test]
fn what_one_project_shows_does_not_block_a_project_beside_it() {
    let dir = two_projects();
    let out = run(&["--write", "."], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    // `a-lib`'s tests patch `asyncio.sleep`: its own call stays for the mock.
    assert!(read(&dir, "a-lib/a.py").contains("asyncio.sleep(1)"));
    // `b-lib` neither patches nor imports `a-lib`: its call migrates.
    let b = read(&dir, "b-lib/b.py");
    assert!(b.contains("await anyio.sleep(1)"), "{b}");
    // `b-lib` has no pytest configuration: its suite is its own project's,
    // not the folder above (`a-lib` was walked first), and it moves.
    let t = read(&dir, "b-lib/tests/test_b.py");
    assert!(t.contains("@pytest.mark.anyio"), "{t}");
    assert!(read(&dir, "b-lib/conftest.py").contains("def anyio_backend():"));
    assert!(!read(&dir, "b-lib/setup.cfg").contains("pytest-asyncio"));
}

#[test]
fn what_a_project_shows_holds_for_the_project_it_imports() {
    let dir = tree(&[
        ("b-lib/pyproject.toml", b"[project]\nname = \"b\"\n"),
        ("b-lib/b.py", b"import asyncio\n\n\nasync def g():\n    await asyncio.sleep(1)\n"),
        ("c-lib/pyproject.toml", b"[project]\nname = \"c\"\n"),
        (
            "c-lib/tests/test_c.py",
            b"import asyncio\n\nimport b\n\n\ndef test_c(monkeypatch):\n    monkeypatch.setattr(asyncio, \"sleep\", fake)\n",
        ),
    ]);
    let out = run(&["--write", "."], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    // `c-lib`'s test imports `b` and patches `asyncio.sleep`: `b`'s call stays.
    let b = read(&dir, "b-lib/b.py");
    assert!(b.contains("await asyncio.sleep(1)"), "{b}");
}

#[test]
fn test_folders_with_no_configuration_are_one_suite_at_their_topmost_conftest() {
    // No pytest configuration and no project file anywhere: the suite is
    // the topmost conftest.py's folder, as pytest's rootdir would be the
    // folder it is run from. One part needs pytest-asyncio (its tests start
    // asyncio servers), so the whole suite stays, and no conftest.py is
    // created in the other part.
    let server = "import asyncio\n\nimport pytest\n\n\n@pytest.mark.asyncio\nasync def test_serve():\n    server = await asyncio.start_server(handle, \"127.0.0.1\", 0)\n    server.close()\n";
    let dir = tree(&[
        ("tests/conftest.py", b"import pytest\n"),
        ("tests/a/test_a.py", TEST_B.as_bytes()),
        ("tests/b/test_b.py", server.as_bytes()),
    ]);
    let out = run(&["--write", "."], dir.path());
    let err = text(&out.stderr);
    assert!(
        err.contains("the pytest suite in `tests` stays on pytest-asyncio"),
        "{err}"
    );
    assert_eq!(read(&dir, "tests/a/test_a.py"), TEST_B, "{err}");
    assert!(!dir.path().join("tests/a/conftest.py").exists());
}
