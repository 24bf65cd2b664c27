"""`make mutate`: plant deliberate one-line bugs in stride_core and check that the tests catch each.

Every mutation is (function, exact source snippet → replacement, test files). The snippet is
searched inside the body of every function or method of that name in stride_core/**/*.py, so a
mutation still applies after the function moves to another module; it must match exactly once.
The work happens in a temporary copy of the repository (tracked and untracked files, not the
ignored ones): the working tree is never touched. For each mutation the copy's file is changed,
`pytest -x -q` runs the named test files there (globs; missing files are skipped), and the file is
restored. Before any mutation the same test files run once unmutated (the baseline): a mutation
whose tests already fail unmutated is reported as such, not as killed.

Outcomes: killed (a test failed; the first failing test is named), survived (every test passed:
a bug the suite would ship), not found (the function or snippet is not in stride_core, e.g. after
a rename: update the list), ambiguous (the snippet matches more than once), no tests (no test file
matched), timeout (counted as killed: the bug hangs the tests).

    .venv/bin/python bench/mutate.py              # all mutations
    .venv/bin/python bench/mutate.py -k coverage  # those whose name contains "coverage"
    .venv/bin/python bench/mutate.py --where transposed  # those located in stride_core/transposed.py
    .venv/bin/python bench/mutate.py --list       # where each mutation applies, without running

Exit status: 0 when nothing survived and every baseline passed, 1 otherwise.
"""

from __future__ import annotations

import argparse
import ast
import glob
import importlib
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv" / "bin" / "python"
TIMEOUT_S = 900


class Mutation(NamedTuple):
    name: str  # short id, also the kind of bug
    function: str  # function or method name in stride_core; "a|b" when it has been renamed
    snippet: str  # exact text inside that function
    replacement: str
    tests: tuple[str, ...]  # test file globs, relative to the repository


ARITH = ("tests/core/test_arithmetic.py", "tests/core/test_arithmetic_mutants.py")
BACKPROP = ("tests/core/test_backprop.py", "tests/core/test_backprop_mutants.py")
SAMPLING = ("tests/core/test_sampling.py",)
CONV = ("tests/core/test_conv_tensor.py",)
EQUIV = ("tests/core/test_equivalence.py", "tests/core/test_non_striding.py", "tests/core/test_polyphase*.py")
DIFF = ("tests/core/test_diffstride.py",)
ALIAS = ("tests/core/test_aliasing.py", "tests/core/test_pyramid.py", "tests/core/test_transposed_mutants.py")
TRANSPOSED = ("tests/core/test_transposed.py", "tests/core/test_transposed_mutants.py")
CONVENTIONS = ("tests/core/test_conventions.py",)
RF = ("tests/core/test_receptive_field.py",)
NETWORKS = ("tests/core/test_networks.py",)

MUTATIONS: list[Mutation] = [
    # -- the 13 kinds of issue 21's hand audit ------------------------------------------------
    # output sizes
    Mutation("output size: drop the + 1", "output_size", "span // s + 1 if", "span // s if", ARITH),
    Mutation(
        "strided Toeplitz rows off by one", "strided_toeplitz", "rows = (n - k) // s + 1", "rows = (n - k) // s", EQUIV
    ),
    Mutation(
        "Theorem 1 output width off by one",
        "_padded",
        "(h - kh) // s + 1, (wd - kw) // s + 1",
        "(h - kh) // s + 1, (wd - kw) // s",
        EQUIV,
    ),
    Mutation(
        "DiffStride width: 2(k − 1) → 2k − 1",
        "diff_stride_size",
        "2 * (int((mw > 0).sum()) - 1)",
        "2 * int((mw > 0).sum()) - 1",
        DIFF,
    ),
    # dilation
    Mutation("output size ignores dilation", "output_size", "- d * (k - 1) - 1", "- (k - 1) - 1", ARITH),
    Mutation("dilate: one zero too many", "_dilate", "max(0, (h - 1) * sh + 1)", "max(0, h * sh)", BACKPROP),
    # padding
    Mutation("input gradient keeps the bottom padding", "_to_input", "bottom - c.ph))", "bottom))", BACKPROP),
    Mutation("coverage map crops columns by the row padding", "coverage_map", "pw : pw + w]", "ph : ph + w]", ARITH),
    Mutation(
        "blur pool pads the wrong side",
        "_pad_same",
        "lo, hi = (k - 1) // 2, k // 2",
        "lo, hi = k // 2, (k - 1) // 2",
        ALIAS,
    ),
    # mask thresholds
    Mutation("DiffStride T_w without the + 1", "_masks", "clamp(min=2.0) / 2.0 + 1.0", "clamp(min=2.0) / 2.0", DIFF),
    Mutation("hard mask keeps the threshold bin", "_ramp", "(pos < threshold)", "(pos <= threshold)", DIFF),
    Mutation("spectral pool keeps an odd height", "_pool_limits", "out_h -= out_h % 2", "out_h -= 0", DIFF),
    # crop centres
    Mutation(
        "spectral crop centre off by one",
        "spectral_crop|spectral_pool",
        "r0, c0 = H // 2 - h // 2,",
        "r0, c0 = H // 2 - (h + 1) // 2,",
        ALIAS,
    ),
    Mutation("folding baseband centre off by one", "folding", "W // 2 - w // 2", "W // 2 - (w + 1) // 2", ALIAS),
    # coverage counts
    # (coverage_summary counts per axis with _axis since the gaps/holes rewrite)
    Mutation(
        "trailing columns from the rows",
        "coverage_summary",
        "        rows.leftover,\n        cols.leftover,\n",
        "        rows.leftover,\n        rows.leftover,\n",
        ARITH,
    ),
    Mutation(
        "skipped-between includes trailing columns",
        "coverage_summary",
        "not_left = (h - rows.leftover) * (w - cols.leftover)",
        "not_left = (h - rows.leftover) * w",
        ARITH,
    ),
    Mutation(
        "columns counted with the row settings",
        "coverage_summary",
        "_axis(w, kw, sw, pw, dw, wo)",
        "_axis(w, kh, sh, ph, dh, wo)",
        ARITH,
    ),
    Mutation(
        "leftover starts one early", "_axis", "inside = idx < taps.numel()", "inside = idx < taps.numel() - 1", ARITH
    ),
    Mutation(
        "gradient interior starts a row early",
        "gradient_coverage",
        "r0, r1 = max(0, kh - 1 - ph)",
        "r0, r1 = max(0, kh - 2 - ph)",
        BACKPROP,
    ),
    Mutation(
        "sampling grid starts one late", "T", "x[..., m - 1 :: s, n - 1 :: s]", "x[..., m :: s, n - 1 :: s]", SAMPLING
    ),
    Mutation(
        "polyphase pads columns by the rows",
        "polyphase",
        "ph, pw = -H % s, -W % s",
        "ph, pw = -H % s, -H % s",
        SAMPLING,
    ),
    Mutation(
        "phase map transposed", "phase_map", "r[:, None] * s + c[None, :]", "r[:, None] + c[None, :] * s", SAMPLING
    ),
    Mutation(
        "shift orbit misses its last step",
        "shift_orbit",
        "min(P - 1 - i, H - 1 - k) + 1)",
        "min(P - 1 - i, H - 1 - k))",
        CONV,
    ),
    # boolean operators
    Mutation("conclusive: and → or", "gradient_coverage", ">= sh and c1 - c0", ">= sh or c1 - c0", BACKPROP),
    Mutation("conclusive: >= → >", "gradient_coverage", "r1 - r0 >= sh and", "r1 - r0 > sh and", BACKPROP),
    Mutation(
        "display copy shrinks at the limit",
        "display_copy",
        "if max(H, W) <= max_side",
        "if max(H, W) < max_side",
        ALIAS,
    ),
    Mutation("naive subsampling starts at row 1", "naive_subsample", "x[..., ::s, ::s]", "x[..., 1::s, ::s]", ALIAS),
    # -- this round's new modules -------------------------------------------------------------
    # transposed.py
    Mutation("transposed output size: drop the + 1", "transposed_output_size", "+ op + 1", "+ op", TRANSPOSED),
    # (overlap_interior checks both axes with all(...) and _interior_span since the per-axis rewrite)
    Mutation(
        "overlap interior conclusive: and → or",
        "overlap_interior",
        "conclusive = all(hi - lo >= a.s",
        "conclusive = any(hi - lo >= a.s",
        TRANSPOSED,
    ),
    Mutation(
        "overlap interior conclusive: >= → >",
        "overlap_interior",
        "all(hi - lo >= a.s for",
        "all(hi - lo > a.s for",
        TRANSPOSED,
    ),
    Mutation(
        "overlap interior starts a row early",
        "_interior_span|overlap_interior",
        "lo = max(0, _reach(a))",
        "lo = max(0, _reach(a) - 1)",
        TRANSPOSED,
    ),
    Mutation(
        "output_padding accepts op = stride",
        "output_padding_choices",
        "0 <= op < max(s, d)",
        "0 <= op <= max(s, d)",
        TRANSPOSED,
    ),
    Mutation(
        "upsample padding one short",
        "upsample_padding",
        "p, op = ((k - s + 1) // 2,",
        "p, op = ((k - s) // 2,",
        TRANSPOSED,
    ),
    Mutation(
        "kernel phase sums over the wrong axes",
        "kernel_phase_sums",
        "sum(dim=(-4, -2))",
        "sum(dim=(-3, -1))",
        TRANSPOSED,
    ),
    Mutation(
        "resize overlap: 'same' centre off by one", "resize_overlap_map", "lo = (k - 1) // 2", "lo = k // 2", TRANSPOSED
    ),
    Mutation(
        "checkerboard border: columns by the row period",
        "checkerboard_energy",
        "-(-border // sw) * sw",
        "-(-border // sh) * sh",
        TRANSPOSED,
    ),
    # conventions.py
    Mutation("'SAME' output size rounds down", "same_output_size", "return -(-n // s)", "return n // s", CONVENTIONS),
    Mutation(
        "'SAME' puts the extra pixel first",
        "same_padding",
        "return total // 2, total - total // 2",
        "return total - total // 2, total // 2",
        CONVENTIONS,
    ),
    Mutation(
        "symmetric padding ignores dilation",
        "symmetric_padding",
        "return d * (k - 1) // 2",
        "return (k - 1) // 2",
        CONVENTIONS,
    ),
    Mutation(
        "ceil_mode keeps a window starting in the padding",
        "pool_output_size",
        "(out - 1) * s >= n + p",
        "(out - 1) * s > n + p",
        CONVENTIONS,
    ),
    Mutation(
        "pool overhang measured against 2p",
        "pool_windows",
        "last + span - (n + p)",
        "last + span - (n + 2 * p)",
        CONVENTIONS,
    ),
    # receptive_field.py
    Mutation(
        "receptive field ignores dilation", "_layer", "r[a] + d[a] * (k[a] - 1) * j[a]", "r[a] + (k[a] - 1) * j[a]", RF
    ),
    Mutation("effective padding not scaled by the jump", "_layer", "p[a] + pl[a] * j[a]", "p[a] + pl[a]", RF),
    Mutation(
        "conv output size off by one", "_conv_out", "(n + pl + pr - span) // s + 1", "(n + pl + pr - span) // s", RF
    ),
    Mutation("pool ceil_mode exception: >= → >", "_pool_out", "(out - 1) * s >= n + p", "(out - 1) * s > n + p", RF),
    Mutation(
        "'same' conv padding extra pixel first",
        "_spatial_layer",
        "pads = (tuple(t // 2 for t in total), tuple(t - t // 2 for t in total))",
        "pads = (tuple(t - t // 2 for t in total), tuple(t // 2 for t in total))",
        RF,
    ),
    Mutation("field box one pixel too tall", "rf_box", "top + rf.size[0] - 1", "top + rf.size[0]", RF),
    Mutation("clip box: and → or", "clip_box", "top <= bottom and left <= right", "top <= bottom or left <= right", RF),
    Mutation("unit centre half a pixel off", "unit_centres", "(rf.size[a] - 1) / 2", "rf.size[a] / 2", RF),
    # A bare < → <= is an equivalent mutant here: the threshold is share·total·(1 − 1e-12), which a
    # cumulative sum never equals, so both count the same. The boundary bug flips the tolerance too.
    Mutation(
        "mass area counts the boundary unit twice",
        "mass_area",
        "(v.cumsum(0) < share * total * (1 - 1e-12))",
        "(v.cumsum(0) <= share * total * (1 + 1e-12))",
        RF,
    ),
    Mutation("mass area adds the smallest first", "mass_area", "sort(descending=True)", "sort()", RF),
    # networks.py
    Mutation(
        "stack text: k3x5 read as 3×3",
        "parse_stack",
        "(h, int(m.group(3)) if m.group(3) else h)",
        "(h, h)",
        NETWORKS + RF,
    ),
    Mutation(
        "stack drops the dilation",
        "stack",
        "nn.Conv2d(c, width, x.k, x.s, x.p, x.d)",
        "nn.Conv2d(c, width, x.k, x.s, x.p)",
        NETWORKS + RF,
    ),
    Mutation(
        "format_stack writes d1, omits the rest",
        "format_stack",
        "if x.d != (1, 1):",
        "if x.d == (1, 1):",
        NETWORKS + RF,
    ),
    Mutation(
        "restrided pool keeps stride 1",
        "restrided",
        "nn.Sequential(layer, nn.MaxPool2d(s, s))",
        "nn.Sequential(layer, nn.MaxPool2d(s, 1))",
        NETWORKS + RF,
    ),
]


# ---------------------------------------------------------------------------------------------


class Site(NamedTuple):
    path: Path  # relative to the repository
    start: int  # character offset of the snippet in the file
    status: str  # "ok", "not found", "ambiguous"
    where: str  # file:line, or a reason


def function_spans(source: str, name: str) -> list[tuple[int, int]]:
    """(first, last) 1-based line numbers of every function or method called name (or any of "a|b")."""
    spans = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name in name.split("|"):
            spans.append((node.lineno, node.end_lineno or node.lineno))
    return spans


def locate(repo: Path, m: Mutation) -> Site:
    hits = []
    for path in sorted((repo / "stride_core").rglob("*.py")):
        source = path.read_text()
        lines = source.splitlines(keepends=True)
        offsets = [0]
        for line in lines:
            offsets.append(offsets[-1] + len(line))
        try:
            spans = function_spans(source, m.function)
        except SyntaxError:
            continue
        for first, last in spans:
            body = source[offsets[first - 1] : offsets[last]]
            for match in re.finditer(re.escape(m.snippet), body):
                at = offsets[first - 1] + match.start()
                hits.append((path.relative_to(repo), at, source.count("\n", 0, at) + 1))
    if not hits:
        return Site(Path(), -1, "not found", f"no function {m.function} contains the snippet")
    if len(hits) > 1:
        return Site(Path(), -1, "ambiguous", ", ".join(f"{p}:{line}" for p, _, line in hits))
    path, at, line = hits[0]
    return Site(path, at, "ok", f"{path}:{line}")


def copy_repo(dest: Path) -> None:
    """Tracked and untracked, not ignored, files of the working tree (what `git clone` plus new files would give)."""
    files = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    for raw in files:
        if not raw:
            continue
        rel = Path(os.fsdecode(raw))
        src = ROOT / rel
        if src.is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel)


def test_files(repo: Path, patterns: tuple[str, ...]) -> list[str]:
    found: list[str] = []
    for pattern in patterns:
        for p in sorted(glob.glob(str(repo / pattern))):
            rel = str(Path(p).relative_to(repo))
            if rel not in found:
                found.append(rel)
    return found


# Importing torch and friends takes most of a short pytest run (tens of seconds on a busy 2-core
# machine). Where fork exists, this process imports them once and each run is a forked child that
# calls pytest.main in the copy; stride_core and the tests are never imported here, so every child
# imports the mutated files fresh. --no-fork runs each pytest as a new process instead.
PRELOAD = ("torch", "numpy", "scipy.signal", "plotly.graph_objects", "PIL.Image", "hypothesis", "pytest")
FORK = False


def preload() -> bool:
    if not hasattr(os, "fork") or Path(sys.prefix).resolve() != (ROOT / ".venv").resolve():
        return False
    try:
        for name in PRELOAD:
            importlib.import_module(name)
    except ImportError:
        return False
    importlib.import_module("torch").set_num_threads(1)
    return True


def run_forked(repo: Path, args: list[str]) -> tuple[int, str, float]:
    t0 = time.perf_counter()
    sys.stdout.flush()
    sys.stderr.flush()
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: pytest in the copy, all output into the pipe
        try:
            os.close(r)
            os.dup2(w, 1)
            os.dup2(w, 2)
            os.chdir(repo)
            os.environ.update(PYTHONDONTWRITEBYTECODE="1", HYPOTHESIS_PROFILE="ci")
            sys.dont_write_bytecode = True
            sys.path.insert(0, str(repo))
            code = importlib.import_module("pytest").main(args)
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(int(code))
        except BaseException:  # noqa: BLE001 — whatever happens, the child must not return into main()
            traceback.print_exc()
            sys.stderr.flush()
            os._exit(3)
    os.close(w)
    chunks: list[bytes] = []
    try:
        while True:
            left = t0 + TIMEOUT_S - time.perf_counter()
            if left <= 0:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                return -1, b"".join(chunks).decode(errors="replace"), time.perf_counter() - t0
            if select.select([r], [], [], min(left, 5.0))[0]:
                data = os.read(r, 1 << 16)
                if not data:
                    break
                chunks.append(data)
        _, status = os.waitpid(pid, 0)
    except BaseException:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        raise
    finally:
        os.close(r)
    return os.waitstatus_to_exitcode(status), b"".join(chunks).decode(errors="replace"), time.perf_counter() - t0


def run_pytest(repo: Path, files: list[str], *, stop_first: bool) -> tuple[int, str, float]:
    args = ["-q", "-p", "no:cacheprovider", "-p", "no:randomly", *(["-x"] if stop_first else []), *files]
    if FORK:
        return run_forked(repo, args)
    env = dict(os.environ, PYTHONPATH=str(repo), PYTHONDONTWRITEBYTECODE="1", HYPOTHESIS_PROFILE="ci")
    cmd = [
        str(PYTHON),
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "-p",
        "no:randomly",
        *(["-x"] if stop_first else []),
        *files,
    ]
    t0 = time.perf_counter()
    try:
        done = subprocess.run(cmd, cwd=repo, env=env, capture_output=True, text=True, timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        return -1, "", time.perf_counter() - t0
    return done.returncode, done.stdout + done.stderr, time.perf_counter() - t0


def first_failure(output: str) -> str:
    for line in output.splitlines():
        if line.startswith(("FAILED ", "ERROR ")):
            return line.split(" - ")[0].split(" ", 1)[1]
    for line in output.splitlines():
        if "error" in line.lower():
            return line.strip()[:90]
    return "?"


def main() -> int:
    # A TERM (a CI timeout, kill <pid>) unwinds like Ctrl-C: subprocess.run kills the running pytest
    # and the temporary copy is removed.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-k", default="", help="run only mutations whose name or function contains this text")
    parser.add_argument(
        "--where", default="", help="run only mutations located in a file whose path contains this text"
    )
    parser.add_argument("--list", action="store_true", help="show where each mutation applies, run nothing")
    parser.add_argument("--no-fork", action="store_true", help="a new Python process per pytest run (slower)")
    args = parser.parse_args()
    chosen = [m for m in MUTATIONS if args.k.lower() in (m.name + " " + m.function).lower()]

    with tempfile.TemporaryDirectory(prefix="stride-mutate-") as tmp:
        repo = Path(tmp)
        copy_repo(repo)
        sites = {m: locate(repo, m) for m in chosen}
        if args.where:
            chosen = [m for m in chosen if args.where in str(sites[m].path) and sites[m].status == "ok"]
        if args.list:
            for m in chosen:
                print(f"{m.name:48} {m.function:20} {sites[m].status:10} {sites[m].where}")
            return 0

        # The copy, not the working tree, must be what the tests import.
        probe = subprocess.run(
            [str(PYTHON), "-c", "import stride_core, sys; sys.stdout.write(stride_core.__file__)"],
            cwd=repo,
            env=dict(os.environ, PYTHONPATH=str(repo), PYTHONDONTWRITEBYTECODE="1"),
            capture_output=True,
            text=True,
        )
        if not probe.stdout.startswith(str(repo)):
            print(f"the tests would import stride_core from {probe.stdout or probe.stderr!r}, not the copy; stopping")
            return 2

        global FORK
        FORK = not args.no_fork and preload()
        print(f"each pytest run: {'a fork of this process (torch imported once)' if FORK else 'a new process'}")
        every = sorted({f for m in chosen if sites[m].status == "ok" for f in test_files(repo, m.tests)})
        broken: set[str] = set()
        t0 = time.perf_counter()
        print(f"baseline: {len(every)} test files, unmutated ...", flush=True)
        for f in every:
            code, out, _ = run_pytest(repo, [f], stop_first=True)
            if code != 0:
                broken.add(f)
                print(f"  baseline FAILS: {f} ({first_failure(out)})", flush=True)

        rows = []
        for m in chosen:
            site = sites[m]
            files = test_files(repo, m.tests)
            if site.status != "ok":
                rows.append((m, site.status.upper(), site.where, 0.0))
            elif not files:
                rows.append((m, "NO TESTS", f"none of {', '.join(m.tests)}", 0.0))
            elif broken & set(files):
                rows.append((m, "BASELINE FAILS", ", ".join(sorted(broken & set(files))), 0.0))
            else:
                target = repo / site.path
                original = target.read_text()
                target.write_text(original[: site.start] + m.replacement + original[site.start + len(m.snippet) :])
                try:
                    code, out, secs = run_pytest(repo, files, stop_first=True)
                finally:
                    target.write_text(original)
                if code == -1:
                    rows.append((m, "killed", f"timeout after {TIMEOUT_S} s", secs))
                elif code == 0:
                    rows.append((m, "SURVIVED", f"{site.where}: {len(files)} test files pass", secs))
                elif code in (4, 5):
                    rows.append((m, "ERROR", f"pytest exit {code}", secs))
                else:
                    rows.append((m, "killed", f"{site.where}, by {first_failure(out)}", secs))
            print(f"  {rows[-1][1]:14} {m.name}", flush=True)

    print()
    print("| mutation | function | result | where / caught by | s |")
    print("|---|---|---|---|---|")
    for m, result, detail, secs in rows:
        print(f"| {m.name} | `{m.function}` | {result} | {detail} | {secs:.0f} |")
    counts = {r: sum(1 for row in rows if row[1] == r) for r in sorted({row[1] for row in rows})}
    print()
    print(
        f"{len(rows)} mutations in {time.perf_counter() - t0:.0f} s: "
        + ", ".join(f"{n} {r.lower()}" for r, n in counts.items())
    )
    bad = any(row[1] in ("SURVIVED", "BASELINE FAILS", "ERROR") for row in rows)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
