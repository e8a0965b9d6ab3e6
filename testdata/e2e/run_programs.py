"""End-to-end check of anyio-migrate on runnable asyncio programs.

    python testdata/e2e/run_programs.py --tool PATH/TO/anyio-migrate [--python PY] [NAMES...]

For every program in testdata/programs/ (or only those whose file name contains
one of NAMES):

1. copy it into a temporary directory and run the original with PY (default:
   the interpreter running this script); it must exit 0;
2. run `TOOL --write [e2e-flags] COPY` (exit status 0 or 1 accepted);
3. the migrated file must parse (`ast.parse`) and compile;
4. every `e2e-expect` string must appear in it and no `e2e-absent` string may
   (also with the bracket contents that long-line wrapping split joined again);
   both are matched against the code only: comments (including these header
   lines) and the module docstring are stripped first;
5. no import statement may be duplicated by the migration (e.g. a second
   `import anyio`);
6. on each backend listed in `e2e-backends`, run the migrated copy through
   run_on.py (anyio.run defaulting to that backend): exit status and stdout must
   equal the original's;
7. idempotency: `TOOL --diff [e2e-flags] MIGRATED` must print no diff, and a
   second `--write` must leave the file byte-identical.

Header lines, read from anywhere in the program (conventionally right after
the module docstring):

    # e2e-flags: --unsafe              extra CLI flags for the tool (optional)
    # e2e-expect: anyio.fail_after(    must appear after migration (repeatable)
    # e2e-absent: asyncio.wait_for     must not appear after migration (repeatable)
    # e2e-backends: asyncio trio       backends the migrated program must run on (required)

Prints `ok NAME` or `FAIL NAME: reason` (details indented below) per program,
then `N passed, M failed`; exits 1 if any program failed, 2 on usage errors.
"""

from __future__ import annotations

import argparse
import ast
import io
import re
import shlex
import shutil
import sys
import tokenize
from dataclasses import dataclass, field
from pathlib import Path

import harness
from harness import Failure, Runner, find_tool, run_all, tail, unified

HERE = Path(__file__).resolve().parent
DEFAULT_PROGRAMS = HERE.parent / "programs"
RUN_ON = HERE / "run_on.py"
KNOWN_BACKENDS = {"asyncio", "trio"}
HEADER_RE = re.compile(r"^#\s*e2e-([a-z]+):(.*)$")
HUNK_RE = re.compile(r"^(@@ |\+\+\+ |--- )", re.MULTILINE)


@dataclass
class Spec:
    flags: list[str] = field(default_factory=list)
    expect: list[str] = field(default_factory=list)
    absent: list[str] = field(default_factory=list)
    backends: list[str] = field(default_factory=list)


def parse_spec(source: str) -> Spec:
    spec = Spec()
    seen_backends = False
    for line in source.splitlines():
        m = HEADER_RE.match(line.strip())
        if not m:
            continue
        key, value = m.group(1), m.group(2).strip()
        if key == "flags":
            spec.flags += shlex.split(value)
        elif key == "expect":
            if value:
                spec.expect.append(value)
        elif key == "absent":
            if value:
                spec.absent.append(value)
        elif key == "backends":
            seen_backends = True
            spec.backends += value.split()
        else:
            raise Failure(f"unknown header `e2e-{key}`")
    if not seen_backends or not spec.backends:
        raise Failure("missing `# e2e-backends:` header")
    unknown = set(spec.backends) - KNOWN_BACKENDS
    if unknown:
        raise Failure(f"unknown backend(s) in e2e-backends: {' '.join(sorted(unknown))}")
    return spec


def unwrapped(code: str) -> str:
    """The code with the bracket contents that long-line wrapping split over
    lines joined again (`f(\n    a, b\n)` -> `f(a, b)`), so that an
    e2e-expect string names a form, not a layout."""
    code = re.sub(r"([(\[{])[ \t]*\n\s*", r"\1", code)
    code = re.sub(r",?[ \t]*\n\s*([)\]}])", r"\1", code)
    return re.sub(r",[ \t]*\n\s*", ", ", code)


def code_only(source: str) -> str:
    """The source with comments and the module docstring removed."""
    line_starts = [0]
    for line in source.splitlines(keepends=True):
        line_starts.append(line_starts[-1] + len(line))
    lines = source.splitlines(keepends=True)

    def offset(row: int, col: int, col_is_bytes: bool = False) -> int:
        if col_is_bytes and row - 1 < len(lines):
            col = len(lines[row - 1].encode("utf-8")[:col].decode("utf-8", "replace"))
        return line_starts[row - 1] + col

    spans: list[tuple[int, int]] = []
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type == tokenize.COMMENT:
            spans.append((offset(*tok.start), offset(*tok.end)))
    tree = ast.parse(source)
    if (
        tree.body
        and isinstance(tree.body[0], ast.Expr)
        and isinstance(tree.body[0].value, ast.Constant)
        and isinstance(tree.body[0].value.value, str)
    ):
        node = tree.body[0]
        spans.append(
            (
                offset(node.lineno, node.col_offset, True),
                offset(node.end_lineno or node.lineno, node.end_col_offset or 0, True),
            )
        )
    out = source
    for start, end in sorted(spans, reverse=True):
        out = out[:start] + out[end:]
    return out


def module_imports(source: str) -> list[str]:
    """Top-level import statements, normalised, one entry per imported name."""
    found = []
    for node in ast.parse(source).body:
        if isinstance(node, ast.Import):
            found += [
                f"import {a.name}" + (f" as {a.asname}" if a.asname else "") for a in node.names
            ]
        elif isinstance(node, ast.ImportFrom):
            mod = "." * node.level + (node.module or "")
            found += [
                f"from {mod} import {a.name}" + (f" as {a.asname}" if a.asname else "")
                for a in node.names
            ]
    return found


class ProgramRunner(Runner):
    """Checks one program (steps 1-7 above)."""

    def item_name(self, item: Path) -> str:
        return item.stem

    def tool_cmd(self, mode: str, spec: Spec, path: Path) -> list[str]:
        return [self.tool, mode, *spec.flags, str(path)]

    def _check(self, program: Path, tmp: Path, ctx: dict[str, str]) -> list[Failure]:
        original_src = program.read_text(encoding="utf-8")
        spec = parse_spec(original_src)
        orig_dir, mig_dir, again_dir = tmp / "original", tmp / "migrated", tmp / "again"
        for d in (orig_dir, mig_dir, again_dir):
            d.mkdir()
        orig_path, mig_path = orig_dir / program.name, mig_dir / program.name
        shutil.copyfile(program, orig_path)
        shutil.copyfile(program, mig_path)

        # 1. the original
        orig = self.run([self.python, str(orig_path)], orig_dir, "original program")
        if orig.returncode != 0:
            raise Failure(
                f"original program exited {orig.returncode}",
                f"stdout:\n{tail(orig.stdout)}\nstderr:\n{tail(orig.stderr)}",
            )

        # 2. migrate
        cmd = self.tool_cmd("--write", spec, mig_path)
        mig = self.run(cmd, mig_dir, "anyio-migrate --write")
        if mig.returncode not in (0, 1):
            raise Failure(
                f"anyio-migrate --write exited {mig.returncode}",
                f"command: {shlex.join(cmd)}\nstderr:\n{tail(mig.stderr)}\nstdout:\n{tail(mig.stdout)}",
            )
        migrated_src = mig_path.read_text(encoding="utf-8")
        migration_diff = unified(
            original_src, migrated_src, f"original/{program.name}", f"migrated/{program.name}"
        )
        ctx["migration_diff"] = migration_diff
        ctx["tool_stderr"] = mig.stderr

        # 3. it must still be Python
        try:
            ast.parse(migrated_src, str(mig_path))
            compile(migrated_src, str(mig_path), "exec")
        except SyntaxError as exc:
            raise Failure(f"migrated file does not parse: {exc}", show_migration=True) from None

        problems: list[Failure] = []

        # 4. expected and forbidden text
        code = code_only(migrated_src)
        forms = (code, unwrapped(code))
        missing = [s for s in spec.expect if not any(s in f for f in forms)]
        present = [s for s in spec.absent if any(s in f for f in forms)]
        if missing or present:
            lines = [f"expected but missing: {s!r}" for s in missing]
            lines += [f"present but forbidden: {s!r}" for s in present]
            problems.append(Failure("text check failed", "\n".join(lines), show_migration=True))

        # 5. no duplicated imports
        before, after = module_imports(original_src), module_imports(migrated_src)
        dupes = sorted(
            {i for i in after if after.count(i) > 1 and after.count(i) > before.count(i)}
        )
        if dupes:
            problems.append(
                Failure("duplicated import(s): " + ", ".join(dupes), show_migration=True)
            )

        # 6. same behaviour on every backend
        expected_out = f"exit status {orig.returncode}\n{orig.stdout}"
        for backend in spec.backends:
            run = self.run(
                [self.python, str(RUN_ON), backend, str(mig_path)],
                mig_dir,
                f"migrated program on {backend}",
            )
            got_out = f"exit status {run.returncode}\n{run.stdout}"
            if got_out != expected_out:
                out_diff = unified(
                    expected_out, got_out, "original stdout", f"migrated stdout ({backend})"
                )
                problems.append(
                    Failure(
                        f"output differs on {backend}",
                        f"output diff ({backend}):\n{out_diff}stderr ({backend}):\n{tail(run.stderr)}",
                        show_migration=True,
                    )
                )

        # 7. a second run changes nothing
        cmd = self.tool_cmd("--diff", spec, mig_path)
        second = self.run(cmd, mig_dir, "anyio-migrate --diff (second run)")
        if second.returncode not in (0, 1) or HUNK_RE.search(second.stdout):
            problems.append(
                Failure(
                    f"second run is not a no-op (--diff exited {second.returncode})",
                    f"command: {shlex.join(cmd)}\nstdout:\n{tail(second.stdout)}\nstderr:\n{tail(second.stderr)}",
                )
            )
        if mig_path.read_text(encoding="utf-8") != migrated_src:
            problems.append(Failure("--diff modified the file"))
        again_path = again_dir / program.name
        again_path.write_text(migrated_src, encoding="utf-8")
        cmd = self.tool_cmd("--write", spec, again_path)
        again = self.run(cmd, again_dir, "anyio-migrate --write (second run)")
        again_src = again_path.read_text(encoding="utf-8")
        if again.returncode not in (0, 1) or again_src != migrated_src:
            problems.append(
                Failure(
                    f"second --write changed the file (exit {again.returncode})",
                    unified(migrated_src, again_src, "first migration", "second migration")
                    + f"stderr:\n{tail(again.stderr)}",
                )
            )
        return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    harness.runner_arguments(parser, "programs", DEFAULT_PROGRAMS, "anyio, trio and async-timeout")
    harness.item_arguments(parser, "programs", "file", jobs=2)
    args = parser.parse_args()

    tool = find_tool(args.tool)
    if tool is None:
        return 2
    programs = sorted(p for p in args.programs.glob("*.py") if p.is_file())
    programs = harness.select(programs, args.names, "programs")
    if not programs:
        return 2

    return run_all(ProgramRunner(tool, args.python, args.keep).check, programs, args.jobs)


if __name__ == "__main__":
    sys.exit(main())
