"""The exported PyTorch scripts (stride_core.codegen) run on their own and print the page's numbers.

Every script is written to a temporary directory outside the repository and run with
``python -I`` (isolated: no PYTHONPATH, no user site, the script's own directory first), where
``import stride_core`` fails, so a script cannot lean on the project. Each lesson's defaults run
as their own process; the other settings share one process (a small runner that executes each
script with runpy as ``__main__``, so torch is imported once). The printed numbers are compared
with stride_core's own computation of the same quantities, and with torch/autograd in the test.
"""

from __future__ import annotations

import ast
import json
import math
import re
import subprocess
import sys
import textwrap
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F

from stride_core import ValueCheckError
from stride_core import aliasing as A
from stride_core import codegen as C
from stride_core import networks as N
from stride_core import pyramid as Pyr
from stride_core.arithmetic import coverage_summary, macs, output_shape
from stride_core.backprop import autograd_grads, make_example, naive_input_grad
from stride_core.conv_tensor import conv_tensor, example_filter, kept_rows, property4
from stride_core.conventions import (
    downsample_cost,
    example_kernel,
    letter_pattern,
    pool_windows,
    same_outputs,
    scipy_convolve,
)
from stride_core.diffstride import diff_stride_size, paper_output_size, stride_gradient
from stride_core.images import zone_plate
from stride_core.non_striding import layer_table as ns_layer_table
from stride_core.non_striding import lenet_striding, to_non_striding
from stride_core.receptive_field import network_geometry, rf_box
from stride_core.sampling import T, compose, polyphase
from stride_core.transposed import (
    example_input,
    overlap_interior,
    overlap_map,
    sizes_mapping_to,
    stamp_steps,
    transposed_output_shape,
)

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 240

# Each case: (id, lesson function, args, kwargs). The first case of every function is the page's default view.
CAMERA = dict(image_label="Camera (photo, grey)")
CASES: list[tuple[str, object, tuple, dict]] = [
    ("arith-default", C.arithmetic_code, (9, 9, 3, 3, 1, 2, 2, 1), {}),
    ("arith-worked", C.arithmetic_code, (24, 24, 3, 3, 0, 2, 2, 1), {}),
    ("arith-skip", C.arithmetic_code, (12, 10, 2, 3, 0, 3, 4, 2), {}),
    ("arith-none", C.arithmetic_code, (2, 9, 5, 3, 1, 1, 2, 1), {}),
    (
        "conv-default",
        C.conv_tensor_code,
        (None, None, 1),
        dict(filter_name="box", input_name="random", a=3, b=3, h=5, w=5),
    ),
    (
        "conv-random",
        C.conv_tensor_code,
        (None, None, 2),
        dict(filter_name="random", input_name="random", a=2, b=4, h=7, w=6),
    ),
    (
        "conv-sobel-typed",
        C.conv_tensor_code,
        (None, None, 3),
        dict(filter_name="sobel", input_name="typed", a=3, b=3, h=8, w=9),
    ),
    (
        "conv-typed-image",
        C.conv_tensor_code,
        (None, None, 2),
        dict(filter_name="typed", input_name="image", a=2, b=3, h=6, w=5),
    ),
    ("grids-default", C.sampling_grids_code, (6, 2), {}),
    ("grids-7-3", C.sampling_grids_code, (7, 3), {}),
    ("grids-16-4", C.sampling_grids_code, (16, 4), {}),
    ("compose-default", C.grid_compose_code, (12, 2, 2, 2, 1), {}),
    ("compose-other", C.grid_compose_code, (9, 3, 2, 1, 2), {}),
    ("p4-default", C.property4_code, ("random", 7, 2, 1, 2, 2, 1), {}),
    ("p4-sobel", C.property4_code, ("sobel", 10, 3, 3, 1, 2, 3), {}),
    ("p4-empty", C.property4_code, ("box", 4, 3, 3, 3, 3, 3), {}),
    ("poly-default", C.polyphase_code, (2, 128, 128), CAMERA),
    ("poly-odd", C.polyphase_code, (3, 100, 77), dict(image_label="your image")),
    ("fig1-default", C.stride_channels_code, ([1, 2, 3, 4], [1, 2, 3, 4, 5, 6, 7, 8], 2), {}),
    ("fig1-s3", C.stride_channels_code, ([1, -2, 0.5], [float(v) for v in range(10)], 3), {}),
    ("fig1-s4-long", C.stride_channels_code, ([2.5, 1], [3, 1, 4, 1, 5, 9, 2, 6, 5], 4), {}),
    ("th1-default", C.theorem1_code, (None, 2, 0, 1, 1), dict(h=128, w=128, kernel_name="box 3×3", **CAMERA)),
    ("th1-random", C.theorem1_code, (None, 3, 1, 2, 3), dict(h=64, w=64, kernel_name="random 5×5", **CAMERA)),
    (
        "th1-sobel-s4",
        C.theorem1_code,
        (None, 4, 3, 4, 1),
        dict(h=64, w=48, kernel_name="sobel 3×3", image_label="your image"),
    ),
    ("th2-default", C.theorem2_code, (), {}),
    ("alias-default", C.aliasing_code, ("seed001", 24, 3), {}),
    ("alias-seed", C.aliasing_code, ("seed001", 32, 2), dict(seed=7, noise=0.1, methods=C.ALIAS_METHODS)),
    ("alias-zone", C.aliasing_code, ("zone", 64, 4), dict(methods=("blur_pool", "spectral_pool", "avg_pool"), blur=5)),
    ("alias-photo", C.aliasing_code, ("photo", 48, 3), dict(methods=("naive_subsample", "strided_convolve"), **CAMERA)),
    ("alias-pyramid", C.aliasing_code, ("zone", 96, 2), dict(mode="pyramid", depth=5, methods=C.ALIAS_METHODS)),
    ("bp-default", C.backprop_code, (8, 3, 2, 0, "random integers", 0, False), {}),
    ("bp-sq", C.backprop_code, (7, 4, 3, 1, "squared error", 5, False), {}),
    ("bp-1d", C.backprop_code, (8, 3, 2, 1, "all ones", 0, True), {}),
    ("bp-s1", C.backprop_code, (5, 2, 1, 0, "random integers", 2, False), {}),
    ("ds-default", C.diffstride_code, (2.0, 2.0, 4, "reconstruction"), dict(h=128, w=128, **CAMERA)),
    ("ds-penalty", C.diffstride_code, (3.0, 1.5, 2, "penalty"), dict(h=64, w=64, **CAMERA)),
    ("ds-r0", C.diffstride_code, (2.5, 2.5, 0, "reconstruction"), dict(h=64, w=64, **CAMERA)),
    ("ds-extreme", C.diffstride_code, (1.0, 7.3, 8, "reconstruction"), dict(h=64, w=64, **CAMERA)),
    ("tsize-default", C.transposed_size_code, ((5, 3, 2, 1, 0, 1), (5, 3, 2, 1, 0, 1)), {}),
    ("tsize-mixed", C.transposed_size_code, ((7, 4, 3, 2, 1, 2), (5, 3, 2, 0, 1, 1)), {}),
    ("tsize-dilated-op", C.transposed_size_code, ((6, 3, 1, 0, 1, 2), (4, 5, 4, 3, 3, 1)), {}),
    ("tsize-refused", C.transposed_size_code, ((5, 3, 2, 1, 2, 1), (5, 3, 2, 1, 0, 1)), {}),
    ("stamps-default", C.transposed_stamps_code, (3, 3, 2, 0, 0, 0, False), {}),
    ("stamps-1d", C.transposed_stamps_code, (4, 4, 3, 2, 2, 5, True), {}),
    ("stamps-pad", C.transposed_stamps_code, (5, 2, 2, 1, 1, 9, False), {}),
    ("overlap-default", C.overlap_code, (8, 3, 4, 2), {}),
    ("overlap-s3", C.overlap_code, (12, 6, 7, 3), {}),
    ("article-default", C.conventions_article_code, (11,), {}),
    ("article-n4", C.conventions_article_code, (4,), {}),
    ("article-n16", C.conventions_article_code, (16,), {}),
    ("flip-default", C.flip_code, ("article", 1), {}),
    ("flip-random", C.flip_code, ("random", 2), {}),
    ("flip-shift", C.flip_code, ("shift", 3), {}),
    ("flip-box", C.flip_code, ("box", 1), {}),
    ("same-default", C.same_padding_code, (8, 3, 2, 1), {}),
    ("same-s1", C.same_padding_code, (7, 4, 1, 2), {}),
    ("same-big", C.same_padding_code, (12, 7, 4, 3), {}),
    ("pool-default", C.pool_code, (5, 2, 2, 1), {}),
    ("pool-ceil", C.pool_code, (6, 3, 2, 0), {}),
    ("pool-small", C.pool_code, (3, 5, 4, 2), {}),
    ("down-default", C.pooling_vs_conv_code, (3, 2, 64), dict(h=96, w=96, **CAMERA)),
    ("down-2", C.pooling_vs_conv_code, (2, 3, 5), dict(h=96, w=64, image_label="your image")),
    ("rf-default", C.receptive_field_code, ("resnet18", 224, None), {}),
    ("rf-vgg16", C.receptive_field_code, ("vgg16", 224, (0, 6)), {}),
    (
        "rf-stack",
        C.receptive_field_code,
        ("conv k3 s1 p1 d2, max k3 s2 p1, conv k5x3 s2x1 p1, avg k2 s2", 48, (1, 0)),
        {},
    ),
    ("rf-restrided", C.receptive_field_code, ("resnet18", 64, None), dict(removed=2, pool=True)),
]
KERNELS_04 = {"box 3×3": [[1 / 9] * 3] * 3, "sobel 3×3": [[-1, -2, -1], [0, 0, 0], [1, 2, 1]]}


def _conv_inputs(kw: dict) -> tuple[list, list]:
    """The filter and input grids the conv-tensors page would hold for these settings."""
    a, b, h, w = kw["a"], kw["b"], kw["h"], kw["w"]
    name = kw["filter_name"]
    filt = example_filter(name if name != "typed" else "random", (a, b), seed=a * 10 + b)
    if name == "typed":
        filt = filt * 0.5 + 0.25  # edited cells: not what the seed gives
    if kw["input_name"] == "random":
        x = torch.randint(0, 10, (h, w), generator=torch.Generator().manual_seed(h * 100 + w)).double()
    else:
        x = (torch.arange(h * w, dtype=torch.float64).reshape(h, w) * 0.37).sin().mul(100).round().div(100)
    return filt.tolist(), x.tolist()


def _kernel_04(kw: dict) -> list:
    name = kw["kernel_name"]
    if name.startswith("random"):
        k = int(name[-1])
        return torch.randn(k, k, generator=torch.Generator().manual_seed(k)).tolist()
    return KERNELS_04[name]


def _rf_geometry(net: str, size: int, removed: int = 0, pool: bool = False):
    """The page's geometry: a named network (or a typed stack), optionally with its first downsampling steps removed."""
    model = N.build(net, device="meta") if net in N.NETWORKS else N.stack(N.parse_stack(net), device="meta")
    if removed:
        names = tuple(n for st in network_geometry(model, (size, size)).steps[:removed] for n in st.names)
        model = N.restrided(model, names, pool=pool)
    return network_geometry(model, (size, size))


def _build(case: tuple) -> str:
    cid, fn, args, kwargs = case
    kwargs = dict(kwargs)
    if fn is C.receptive_field_code:
        g = _rf_geometry(args[0], args[1], **kwargs)
        unit = args[2] or (g.rf.out_size[0] // 2, g.rf.out_size[1] // 2)
        return fn(g.rows, args[1], unit, title=args[0])
    if fn is C.conv_tensor_code:
        filt, x = _conv_inputs(kwargs)
        kwargs = {k: v for k, v in kwargs.items() if k in ("filter_name", "input_name")}
        return fn(filt, x, args[2], **kwargs)
    if fn is C.theorem1_code:
        return fn(_kernel_04(kwargs), *args[1:], **kwargs)
    return fn(*args, **kwargs)


SCRIPTS = {case[0]: _build(case) for case in CASES}
# One standalone process per lesson (its default view); every other script runs in the shared runner process.
DEFAULTS = [
    "arith-default",
    "conv-default",
    "grids-default",
    "fig1-default",
    "alias-default",
    "bp-default",
    "ds-default",
    "article-default",
    "rf-default",
    "tsize-default",
]

RUNNER = textwrap.dedent(
    """
    import contextlib, importlib.util, io, json, runpy, sys, traceback
    results = {"__stride_core__": importlib.util.find_spec("stride_core") is not None}
    for path in sys.argv[1:]:
        out, err, code = io.StringIO(), "", 0
        with contextlib.redirect_stdout(out):
            try:
                runpy.run_path(path, run_name="__main__")
            except SystemExit as exc:
                code = exc.code or 0
            except BaseException:
                code, err = 1, traceback.format_exc()
        results[path] = {"code": code, "stdout": out.getvalue(), "stderr": err}
    print(json.dumps(results))
    """
)


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, dict]:
    """Run every script once: defaults each in its own `python -I` process, the rest in one runner process."""
    tmp = tmp_path_factory.mktemp("codegen")
    assert ROOT not in tmp.parents and tmp != ROOT
    for cid, text in SCRIPTS.items():
        (tmp / f"{cid.replace('-', '_')}.py").write_text(text, encoding="utf-8")
    (tmp / "runner.py").write_text(RUNNER, encoding="utf-8")

    def run(argv: list[str]) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-I", *argv], cwd=tmp, capture_output=True, text=True, timeout=TIMEOUT)

    others = [cid for cid in SCRIPTS if cid not in DEFAULTS]
    jobs = [[f"{cid.replace('-', '_')}.py"] for cid in DEFAULTS] + [
        ["runner.py", *(f"{c.replace('-', '_')}.py" for c in others)]
    ]
    with ThreadPoolExecutor(max_workers=2) as pool:
        done = list(pool.map(run, jobs))
    results: dict[str, dict] = {}
    for cid, proc in zip(DEFAULTS, done, strict=False):
        results[cid] = {"code": proc.returncode, "stdout": proc.stdout, "stderr": proc.stderr}
    batch = done[-1]
    assert batch.returncode == 0, batch.stderr
    payload = json.loads(batch.stdout.strip().splitlines()[-1])
    results["__stride_core__"] = payload.pop("__stride_core__")
    for cid in others:
        results[cid] = payload[f"{cid.replace('-', '_')}.py"]
    return results


def _values(out: str) -> dict[str, str]:
    return dict(line.split(": ", 1) for line in out.splitlines() if ": " in line)


def _ok(runs: dict, cid: str) -> dict[str, str]:
    r = runs[cid]
    assert r["code"] == 0, f"{cid} failed:\n{r['stderr']}"
    return _values(r["stdout"])


def _diff(v: dict, key: str) -> float:
    return float(v[f"max |difference| {key}"])


# ---------------------------------------------------------------------------------------------
# Every script: self-contained, compiles, runs in isolation.


class TestScripts:
    @pytest.mark.parametrize("cid", list(SCRIPTS))
    def test_self_contained(self, cid):
        text = SCRIPTS[cid]
        compile(text, cid, "exec")
        assert "stride_core" not in text and "streamlit" not in text
        imports = {line.split()[1].split(".")[0] for line in text.splitlines() if line.startswith(("import ", "from "))}
        assert imports <= {"torch", "numpy", "math"}, imports

    def test_isolated_from_the_repo(self, runs):
        assert runs["__stride_core__"] is False  # the scripts could not import the project even if they tried

    @pytest.mark.parametrize("cid", list(SCRIPTS))
    def test_exits_zero(self, runs, cid):
        r = runs[cid]
        assert r["code"] == 0, r["stderr"]
        assert r["stdout"].strip()

    def test_photo_comment(self):
        text = SCRIPTS["ds-default"]
        assert "The page used Camera (photo, grey) (128×128 pixels)" in text and "Image.open" in text

    def test_exception(self):
        with pytest.raises(ValueCheckError):
            C.arithmetic_code(0, 9, 3, 3, 1, 2, 2, 1)
        with pytest.raises(ValueCheckError):
            C.backprop_code(2, 5, 1, 0, "all ones", 0, False)
        with pytest.raises(ValueCheckError):
            C.aliasing_code("seed001", 24, 3, methods=("max_pool",))
        with pytest.raises(ValueCheckError):
            C.conv_tensor_code([[1, 2, 3]], [[1, 2]], 1)
        with pytest.raises(ValueCheckError):
            C.conv_tensor_code([[float("nan")]], [[1.0]], 1)

    def test_filename(self):
        assert C.script_filename("diffstride", s=(2.0, 2.5), r=4) == "stride_lab_diffstride_s2x2.5_r4.py"
        assert C.script_filename("x", name="a/../b c") == "stride_lab_x_namea-..-b-c.py"


# ---------------------------------------------------------------------------------------------
# The printed numbers against stride_core and torch.


class TestArithmetic:
    @pytest.mark.parametrize("cid", [c[0] for c in CASES if c[1] is C.arithmetic_code])
    def test_matches_torch(self, runs, cid):
        h, w, kh, kw, p, sh, sw, d = next(c[2] for c in CASES if c[0] == cid)
        v = _ok(runs, cid)
        ho, wo = output_shape((h, w), (kh, kw), (sh, sw), p, d)
        assert v["output size"] == f"{ho} x {wo}"
        if ho == 0 or wo == 0:
            assert "no valid output" in runs[cid]["stdout"]
            return
        y = F.conv2d(torch.zeros(1, 1, h, w), torch.zeros(1, 1, kh, kw), stride=(sh, sw), padding=p, dilation=d)
        assert v["F.conv2d output size"] == f"{y.shape[-2]} x {y.shape[-1]}"
        assert _diff(v, "vs F.conv2d") == 0.0
        m, m1 = macs((h, w), (kh, kw), (sh, sw), p, d), macs((h, w), (kh, kw), 1, p, d)
        assert v["multiply-adds"] == f"{m:,}"
        assert v["cost vs stride 1"] == f"{m / m1:.1%}"
        cov = coverage_summary((h, w), (kh, kw), (sh, sw), p, d)
        assert v["input pixels never read"] == f"{cov.never_read} ({cov.never_read / cov.pixels:.0%})"
        assert int(v["most reads of one pixel"]) == cov.max_reads


class TestConvTensor:
    @pytest.mark.parametrize("cid", [c[0] for c in CASES if c[1] is C.conv_tensor_code])
    def test_matches_torch(self, runs, cid):
        kw, s = next((c[3], c[2][2]) for c in CASES if c[0] == cid)
        filt, x = (torch.tensor(g, dtype=torch.float64) for g in _conv_inputs(kw))
        v = _ok(runs, cid)
        Ct = conv_tensor(filt, tuple(x.shape))
        P, Q = Ct.shape[:2]
        assert v["tensor shape"] == f"{P} x {Q} x {x.shape[0]} x {x.shape[1]}"
        assert v["entries"] == f"{Ct.numel():,} ({int(torch.count_nonzero(Ct)):,} non-zero)"
        y = F.conv2d(x[None, None], filt[None, None], stride=s)[0, 0]
        assert v["output of stride s"] == f"{y.shape[0]} x {y.shape[1]}"
        assert v["slices kept by the stride"] == f"{len(kept_rows(P, Q, s))} of {P * Q}"
        assert _diff(v, "vs F.conv2d") < 1e-9 and _diff(v, "Jacobian vs Definition 2") == 0.0
        assert v["shift equalities hold"] == "True"
        printed = runs[cid]["stdout"].split("output (F.conv2d):\n", 1)[1]
        numbers = [float(t) for t in re.findall(r"-?\d+\.\d*(?:e[-+]\d+)?", printed.split("dtype")[0])]
        assert numbers == pytest.approx(y.flatten().tolist(), abs=1e-3)


class TestSamplingGrids:
    @pytest.mark.parametrize("cid", ["grids-default", "grids-7-3", "grids-16-4"])
    def test_grids(self, runs, cid):
        n, s = next(c[2] for c in CASES if c[0] == cid)
        v = _ok(runs, cid)
        x = torch.zeros(n, n)
        for m in range(1, s + 1):
            for k in range(1, s + 1):
                part = T(x, s, m, k)
                assert v[f"T({m},{k})"] == f"{part.shape[0]} x {part.shape[1]}"
        assert v["grids"] == str(s * s) and v["elements"] == str(n * n)
        assert _diff(v, "vs all ones") == 0.0

    @pytest.mark.parametrize("cid", ["compose-default", "compose-other"])
    def test_compose(self, runs, cid):
        size, s_l, s, m, n = next(c[2] for c in CASES if c[0] == cid)
        s2, m2, n2 = compose(s, m, n, s_l)
        v = _ok(runs, cid)
        assert v["single grid"] == f"s' = {s2}, m' = {m2}, n' = {n2}"
        assert _diff(v, "vs the single grid") == 0.0

    @pytest.mark.parametrize("cid", ["p4-default", "p4-sobel", "p4-empty"])
    def test_property4(self, runs, cid):
        name, size, s, m, n, p, q = next(c[2] for c in CASES if c[0] == cid)
        r = property4(example_filter(name, 3, seed=size), (size, size), s, m, n, p, q)
        v = _ok(runs, cid)
        assert v["sub-sampled tensor shape"] == " x ".join(map(str, r.tensor.shape))
        assert v["small filter"] == f"{r.filter.shape[0]} x {r.filter.shape[1]}"
        assert _diff(v, "vs the small filter's tensor") == 0.0
        assert v["shift equalities hold"] == "True"

    @pytest.mark.parametrize("cid", ["poly-default", "poly-odd"])
    def test_polyphase(self, runs, cid):
        s, h, w = next(c[2] for c in CASES if c[0] == cid)
        parts = polyphase(torch.zeros(1, h, w), s)[:, 0]
        v = _values(runs[cid]["stdout"])
        assert f"{h}x{w} pixels become {s * s} channels of {parts.shape[1]} x {parts.shape[2]}" in runs[cid]["stdout"]
        assert _diff(v, "vs F.pixel_unshuffle") == 0.0


class TestStrideChannels:
    @pytest.mark.parametrize("cid", ["fig1-default", "fig1-s3", "fig1-s4-long"])
    def test_figure1(self, runs, cid):
        w, x, s = next(c[2] for c in CASES if c[0] == cid)
        ref = F.conv1d(torch.tensor([[x]], dtype=torch.float64), torch.tensor([[w]], dtype=torch.float64), stride=s)[
            0, 0
        ]
        v = _ok(runs, cid)
        assert ast.literal_eval(v[f"F.conv1d with stride {s}"]) == pytest.approx(ref.tolist(), abs=1e-12)
        assert ast.literal_eval(v["sum of the phase terms"]) == pytest.approx(ref.tolist(), abs=1e-9)
        assert _diff(v, "vs F.conv1d") < 1e-9 and _diff(v, "matrix vs F.conv1d") < 1e-9

    @pytest.mark.parametrize("cid", ["th1-default", "th1-random", "th1-sobel-s4"])
    def test_theorem1(self, runs, cid):
        (_, s, pad, m, n), kw = next((c[2], c[3]) for c in CASES if c[0] == cid)
        k = torch.tensor(_kernel_04(kw), dtype=torch.float32)
        h, w = kw["h"], kw["w"]
        v = _ok(runs, cid)
        ho, wo = output_shape((h, w), tuple(k.shape), s, pad)
        assert v["output size"] == f"{ho} x {wo}"
        assert _diff(v, "sum of the S² terms vs F.conv2d") < 1e-4
        assert _diff(v, "one stride-1 convolution over S² channels vs F.conv2d") < 1e-4
        full = F.conv2d(torch.zeros(1, 1, h, w), k[None, None])[..., m - 1 :: s, n - 1 :: s]
        assert v[f"Lemma 1 grid ({m},{n})"] == f"{full.shape[-2]} x {full.shape[-1]}"
        assert _diff(v, "Lemma 1 vs sub-sampled stride-1 output") < 1e-4

    def test_theorem2(self, runs):
        net = lenet_striding()
        twin, transform = to_non_striding(net, (1, 28, 28))
        out = runs["th2-default"]["stdout"]
        v = _ok(runs, "th2-default")
        for model, shape in ((net, (1, 28, 28)), (twin, (16, *transform.size))):
            for row in ns_layer_table(model, shape):
                if row.kernel:
                    shape = "x".join(map(str, row.shape))
                    line = f"{row.kernel.replace('×', 'x'):<8}{row.stride!s:<8}{shape:<14}{row.params:,}"
                    assert line in out, line
        assert v["twin input"] == f"16 x {transform.size[0]} x {transform.size[1]}"
        x = torch.rand(64, 1, 28, 28, generator=torch.Generator().manual_seed(0))
        with torch.no_grad():
            logits = net(x)  # the same weights as the script's network: the same largest logit
        assert v["largest logit in float32"] == f"{logits.abs().max().item():.3g}"
        assert _diff(v, "twin vs striding network in float32") < 1e-4 * logits.abs().max().item()
        assert _diff(v, "twin vs striding network in float64") < 1e-10

    def test_random_kernel_is_the_pages(self):
        # the page's kernel("random 5×5"): torch.randn(5, 5) from a generator seeded with 5
        assert "torch.randn(5, 5, generator=torch.Generator().manual_seed(5))" in SCRIPTS["th1-random"]


TABLE_ROW = re.compile(r"^(\d+)\s+(\w+)\s+(\d+)x(\d+)\s+(\S+)\s+(\d+)%$")


class TestAliasing:
    @pytest.mark.parametrize("cid", ["alias-default", "alias-seed", "alias-zone", "alias-photo"])
    def test_table(self, runs, cid):
        (image, size, s), kw = next((c[2], c[3]) for c in CASES if c[0] == cid)
        methods = kw.get("methods", Pyr.SOURCE_METHODS)
        blur = kw.get("blur", 3)
        if image == "seed001":
            x = Pyr.seed001_image(size, kw.get("seed", Pyr.SOURCE_SEED), noise=kw.get("noise", Pyr.SOURCE_NOISE))
        else:  # the zone plate, and the photo replaced by a zone plate of its size
            x = zone_plate(size)
        recs = Pyr.pyramid_experiment(x, range(1, s + 1), methods, blur_size=blur)
        _ok(runs, cid)
        rows = [TABLE_ROW.match(line) for line in runs[cid]["stdout"].splitlines()]
        rows = [r.groups() for r in rows if r]
        assert len(rows) == len(recs)
        for (st, meth, hh, ww, corr, alias), rec in zip(rows, recs, strict=True):
            assert (int(st), meth, (int(hh), int(ww))) == (rec.stride, rec.method, rec.shape)
            assert float(corr) == pytest.approx(rec.correlation, abs=1.5e-3)
            assert int(alias) == pytest.approx(100 * A.aliased_energy(x, meth, rec.stride, blur_size=blur), abs=1)
        v = _values(runs[cid]["stdout"])
        assert _diff(v, f"3x3 box convolution vs F.avg_pool2d(3, stride {s})") < 1e-4

    def test_source_numbers(self, runs):
        # the default view reproduces the draw closest to the source's table
        out = runs["alias-default"]["stdout"]
        assert re.search(r"^2\s+naive_subsample\s+12x12\s+0\.364\s", out, re.M)
        assert re.search(r"^3\s+strided_convolve\s+8x8\s+0\.500\s", out, re.M)

    def test_pyramid(self, runs):
        (image, size, s), kw = next((c[2], c[3]) for c in CASES if c[0] == "alias-pyramid")
        v = _ok(runs, "alias-pyramid")
        for m in kw["methods"]:
            levels = Pyr.pyramid(zone_plate(size), m, s, kw["depth"])
            assert v[m] == " -> ".join(f"{t.shape[-2]}x{t.shape[-1]}" for t in levels)


class TestBackprop:
    @pytest.mark.parametrize("cid", ["bp-default", "bp-sq", "bp-1d", "bp-s1"])
    def test_matches_autograd(self, runs, cid):
        n, k, s, p, kind, seed, one_d = next(c[2] for c in CASES if c[0] == cid)
        size, ks, stride, pad = ((1, n), (1, k), (1, s), (0, p)) if one_d else ((n, n), (k, k), (s, s), (p, p))
        ex = make_example(size, ks, stride, pad, kind, seed=seed)
        # independent reference: autograd on the loss whose gradient is dy
        xg, wg = ex.x.clone().requires_grad_(), ex.w.clone().requires_grad_()
        y = F.conv2d(xg[None, None], wg[None, None], stride=stride, padding=pad)[0, 0]
        (y * ex.dy).sum().backward()
        dx_ref, dw_ref = autograd_grads(ex.x[None, None], ex.w[None, None], ex.dy[None, None], stride, pad)
        torch.testing.assert_close(xg.grad, dx_ref[0, 0])
        v = _ok(runs, cid)
        assert v["output size"] == f"{ex.y.shape[0]} x {ex.y.shape[1]}"
        assert torch.tensor(ast.literal_eval(v["dx (autograd)"]), dtype=torch.float64).equal(xg.grad)
        assert torch.tensor(ast.literal_eval(v["dw (autograd)"]), dtype=torch.float64).equal(wg.grad)
        for what in ("dx recipe vs autograd", "dw recipe vs autograd", "F.conv_transpose2d vs autograd"):
            assert _diff(v, what) == 0.0, what
        wrong = naive_input_grad(ex.dy[None, None], ex.w[None, None], stride, pad, size)[0, 0]
        raw = naive_input_grad(ex.dy[None, None], ex.w[None, None], stride, pad, size, fit=False).shape[-2:]
        assert v["undilated recipe off by up to"] == f"{float((wrong - dx_ref[0, 0]).abs().max()):.3g}"
        assert v["undilated recipe"].startswith(f"{raw[0]} x {raw[1]} entries")


class TestDiffStride:
    @pytest.mark.parametrize("cid", ["ds-default", "ds-penalty", "ds-r0", "ds-extreme"])
    def test_matches_stride_core(self, runs, cid):
        (sh, sw, r, loss), kw = next((c[2], c[3]) for c in CASES if c[0] == cid)
        h, w = kw["h"], kw["w"]
        v = _ok(runs, cid)
        ho, wo = diff_stride_size(h, w, (sh, sw), float(r))
        ph, pw = paper_output_size(h, w, (sh, sw), float(r))
        assert v["DiffStride output"] == f"{ho} x {wo}" == v["shape of the output tensor"]
        assert v["paper's floor(H/S + 2R)"] == f"{ph} x {pw}"
        si = (max(1, round(sh)), max(1, round(sw)))
        assert _diff(v, f"DiffStride R = 0 vs spectral pooling at S = {si}") < 1e-9
        # the script draws zone_plate(h) instead of the page's photo: its gradient is stride_core's on that image
        g = stride_gradient(zone_plate(h)[0], (sh, sw), float(r), loss=loss)
        assert float(v["L"]) == pytest.approx(float(f"{g.loss:.4g}"), rel=1e-3)
        for name, d in zip(("dL/dS_h", "dL/dS_w"), g.grad, strict=True):
            assert float(v[name]) == pytest.approx(float(f"{d:.3g}"), rel=1e-2, abs=1e-12)
        assert math.isfinite(_diff(v, "autograd vs finite differences"))


class TestTransposed:
    @pytest.mark.parametrize("cid", ["tsize-default", "tsize-mixed", "tsize-dilated-op", "tsize-refused"])
    def test_size(self, runs, cid):
        rows, cols = next(c[2] for c in CASES if c[0] == cid)
        v = _ok(runs, cid)
        try:
            ho, wo = transposed_output_shape(*((rows[i], cols[i]) for i in range(6)))
        except ValueCheckError:
            assert (
                "no valid output" in runs[cid]["stdout"] and "F.conv_transpose2d refuses it too" in runs[cid]["stdout"]
            )
            return
        assert v["output size"] == f"{ho} x {wo}" == v["F.conv_transpose2d output size"]
        assert v["enlarged by"] == f"{ho / rows[0]:.2f} x {wo / cols[0]:.2f}"
        assert _diff(v, "vs F.conv_transpose2d") == 0.0
        table = re.findall(r"^(rows|columns|both)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)", runs[cid]["stdout"], re.M)
        expected = []
        for name, (n, k, s, p, _, d) in [("rows", rows), ("columns", cols)] if rows != cols else [("both", rows)]:
            expected += [
                (name, str(c.size), str(n), str(c.output_padding), str(c.size)) for c in sizes_mapping_to(n, k, s, p, d)
            ]
        assert table == expected

    @pytest.mark.parametrize("cid", ["stamps-default", "stamps-1d", "stamps-pad"])
    def test_stamps(self, runs, cid):
        n, k, s, p, op, seed, one_d = next(c[2] for c in CASES if c[0] == cid)
        size, ks, stride, pad, opad = (
            ((1, n), (1, k), (1, s), (0, p), (0, op)) if one_d else ((n, n), (k, k), (s, s), (p, p), (op, op))
        )
        x, w = example_input(size, ks, seed=seed)
        st = stamp_steps(x, w, stride, pad, opad)
        ref = F.conv_transpose2d(x[None, None], w[None, None], stride=stride, padding=pad, output_padding=opad)[0, 0]
        v = _ok(runs, cid)
        assert v["output size"] == f"{ref.shape[0]} x {ref.shape[1]}"
        assert v["canvas"] == f"{st.running.shape[1]} x {st.running.shape[2]}"
        assert torch.tensor(ast.literal_eval(v["output"]), dtype=torch.float64).equal(ref)
        assert int(v["largest overlap count"]) == int(overlap_map(size, ks, stride, pad, opad).max())
        assert v["interior counts"] == ", ".join(map(str, overlap_interior(size, ks, stride, pad, opad).values))
        for what in ("stamps", "overlap counts", "direct convolution"):
            key = next(key for key in v if key.startswith(f"max |difference| {what} vs"))
            assert float(v[key]) == 0.0, key

    @pytest.mark.parametrize("cid", ["overlap-default", "overlap-s3"])
    def test_overlap(self, runs, cid):
        n, ka, kb, s = next(c[2] for c in CASES if c[0] == cid)
        _ok(runs, cid)
        for k in (ka, kb):
            inner = overlap_interior(n, k, s)
            line = next(x for x in runs[cid]["stdout"].splitlines() if x.startswith(f"k = {k}: interior counts"))
            assert line.startswith(f"k = {k}: interior counts {', '.join(map(str, inner.values))}, ")
            assert ("even;" in line and "uneven" not in line) == inner.uniform
            row = next(x for x in runs[cid]["stdout"].splitlines() if x.startswith(f"k = {k}: 1-D counts"))
            assert ast.literal_eval(row.split("counts ", 1)[1]) == overlap_map((1, n), (1, k), (1, s))[0].tolist()
            assert f"k = {k}: max |difference| listed vs F.conv_transpose2d: 0.0e+00" in runs[cid]["stdout"]


class TestConventions:
    @pytest.mark.parametrize("cid", ["article-default", "article-n4", "article-n16"])
    def test_article(self, runs, cid):
        (n2,) = next(c[2] for c in CASES if c[0] == cid)
        v = _ok(runs, cid)
        x, w = torch.arange(1.0, 17.0, dtype=torch.float64).reshape(4, 4), torch.tensor([[1.0, 0.0, -1.0]] * 3)
        w = w.double()
        assert ast.literal_eval(v["example 1 output"]) == F.conv2d(x[None, None], w[None, None])[0, 0].tolist()
        assert v["example 2 pixels never read"] == str(coverage_summary(4, 3, 4).never_read)
        fixed = scipy_convolve(F.pad(x, (1, 1, 1, 1)), w, 2)  # SciPy itself, as the page runs it
        assert ast.literal_eval(v["convolution, then [::2, ::2]"]) == fixed.tolist()
        for key in (
            "example 1 vs F.conv2d",
            "example 2 vs F.conv2d(stride=4)",
            "convolution vs F.conv2d with the sign flipped",
        ):
            assert _diff(v, key) == 0.0
        cov = coverage_summary(n2, 3, 4)
        assert v["windows"] == str(output_shape(n2, 3, 4)[0] ** 2)
        assert v["skipped between windows"] == str(cov.skipped_between)
        assert v["left over after the last window"] == f"{cov.trailing_rows} row(s), {cov.trailing_cols} column(s)"

    @pytest.mark.parametrize("cid", ["flip-default", "flip-random", "flip-shift", "flip-box"])
    def test_flip(self, runs, cid):
        kernel, s = next(c[2] for c in CASES if c[0] == cid)
        x, w = letter_pattern(10), example_kernel(kernel)
        corr = F.conv2d(x[None, None], w[None, None], stride=s)[0, 0]
        conv = scipy_convolve(x, w, s)  # SciPy is the independent reference for the convolution
        differ = int((~torch.isclose(corr, conv, rtol=0, atol=1e-9)).sum())
        v = _ok(runs, cid)
        assert v["cells that differ"] == f"{differ} of {corr.numel()}"
        negated = torch.allclose(conv, -corr, rtol=0, atol=1e-9)
        word = (
            "identical"
            if differ == 0
            else "the same numbers with every sign flipped"
            if negated
            else "different in another way"
        )
        assert v["relation"] == word
        assert _diff(v, "flipped-kernel F.conv2d vs the definition") < 1e-12

    @pytest.mark.parametrize("cid", ["same-default", "same-s1", "same-big"])
    def test_same(self, runs, cid):
        n, k, s, d = next(c[2] for c in CASES if c[0] == cid)
        x = torch.randint(0, 10, (n, n), generator=torch.Generator().manual_seed(n)).double()
        r = same_outputs(x, torch.ones(k, k, dtype=torch.float64), s, d)
        v = _ok(runs, cid)
        c = r.comparison
        assert v["TensorFlow 'SAME' padding"] == f"{c.tf_pad[0]} before, {c.tf_pad[1]} after"
        assert v["PyTorch padding"] == f"{c.torch_pad} on every side"
        assert v["TensorFlow output"] == f"{r.tf.shape[0]} x {r.tf.shape[1]}"
        assert v["PyTorch output"] == f"{r.torch.shape[0]} x {r.torch.shape[1]}"
        assert v["windows shifted by"] == str(c.shift)
        assert _diff(v, "TensorFlow size vs ceil(n/s)") == 0.0
        if r.tf.shape == r.torch.shape:
            assert v["cells that differ"] == f"{int((~torch.isclose(r.tf, r.torch)).sum())} of {r.tf.numel()}"
        if r.attempt.error:
            assert v["padding='same' raises"] == r.attempt.error
        else:
            assert _diff(v, "padding='same' vs TensorFlow 'SAME'") == 0.0

    @pytest.mark.parametrize("cid", ["pool-default", "pool-ceil", "pool-small"])
    def test_pool(self, runs, cid):
        n, k, s, p = next(c[2] for c in CASES if c[0] == cid)
        wins = pool_windows(n, k, s, p)
        v = _ok(runs, cid)
        assert v["windows, ceil_mode=False"] == str(wins.out_floor)
        assert v["windows, ceil_mode=True"] == str(wins.out_ceil)
        assert ast.literal_eval(v["window starts"]) == list(wins.starts)
        assert v["window ceil_mode would drop"] == ("none" if not wins.dropped else f"starts at {wins.extra}")
        assert _diff(v, "vs F.max_pool2d") == 0.0

    @pytest.mark.parametrize("cid", ["down-default", "down-2"])
    def test_pooling_vs_conv(self, runs, cid):
        (k, s, ch), kw = next((c[2], c[3]) for c in CASES if c[0] == cid)
        cost = downsample_cost((kw["h"], kw["w"]), k, s, c_in=ch)
        v = _ok(runs, cid)
        assert v["output size"] == f"{cost.out_shape[0]} x {cost.out_shape[1]}"
        assert v["max-pool comparisons"] == f"{cost.pool_comparisons:,}"
        assert v["convolution multiply-adds"] == f"{cost.conv_macs:,}"
        assert v["convolution weights"] == f"{cost.conv_params:,}" == v["nn.Conv2d weights"]
        assert _diff(v, "both sizes vs the formula") == 0.0


class TestReceptiveField:
    @pytest.mark.parametrize("cid", ["rf-default", "rf-vgg16", "rf-stack", "rf-restrided"])
    def test_matches_stride_core(self, runs, cid):
        (net, size, unit), kw = next((c[2], c[3]) for c in CASES if c[0] == cid)
        g = _rf_geometry(net, size, **kw)
        rf = g.rf
        unit = unit or (rf.out_size[0] // 2, rf.out_size[1] // 2)
        v = _ok(runs, cid)
        assert v["receptive field r"] == f"{rf.size[0]} x {rf.size[1]}"
        assert v["jump (effective stride)"] == f"{rf.jump[0]} x {rf.jump[1]}"
        assert v["effective padding"] == f"{rf.padding[0]} x {rf.padding[1]}"
        assert v["output size"] == f"{rf.out_size[0]} x {rf.out_size[1]}"
        m = g.macs
        assert v["multiply-adds"] == (f"{m / 1e9:.3g} G" if m >= 1e8 else f"{m / 1e6:.3g} M")
        t, left, b, r = rf_box(rf, *unit)
        assert v[f"unit {tuple(unit)}"] == f"rows {t}…{b}, columns {left}…{r}"
        assert _diff(v, "output size vs the layers run") == 0.0
        assert _diff(v, "field vs gradient support") == 0.0

    def test_araujo_vgg16(self, runs):
        # Araujo et al.'s table for VGG-16 at its last pool: r = 212, effective stride 32, effective padding 90
        v = _ok(runs, "rf-vgg16")
        assert (v["receptive field r"], v["jump (effective stride)"], v["effective padding"]) == (
            "212 x 212",
            "32 x 32",
            "90 x 90",
        )


# ---------------------------------------------------------------------------------------------
# The Streamlit helper that shows a script.


def _expander_app() -> None:
    import sys

    import streamlit as st

    sys.path.insert(0, st.session_state["root"])
    from stride_core.codegen import arithmetic_code, script_filename
    from ui.code import code_expander

    def script() -> str:  # counts its calls: a closed expander must not build its script
        st.session_state["built"] = st.session_state.get("built", 0) + 1
        return arithmetic_code(9, 9, 3, 3, 1, 2, 2, 1)

    code_expander(script, filename=script_filename("arithmetic", h=9, w=9, k=(3, 3)))
    code_expander("print(1)\n", filename="../odd name", key="second")


class TestCodeExpander:
    def test_shows_code_and_download(self):
        from streamlit.testing.v1 import AppTest

        at = AppTest.from_function(_expander_app, default_timeout=60)
        at.session_state["root"] = str(ROOT)
        at.run()
        assert not at.exception
        assert [e.label for e in at.expander] == ["PyTorch code for this view"] * 2
        # Closed: nothing inside is built or sent, and the script function is not called.
        assert not at.code and not at.get("download_button") and at.session_state.get("built") is None
        at.session_state["code_open"] = True
        at.session_state["second_open"] = True
        at.run()
        assert not at.exception and at.session_state["built"] == 1
        assert at.code[0].language == "python" and at.code[0].value.strip() == SCRIPTS["arith-default"].strip()
        buttons = at.get("download_button")
        assert len(buttons) == 2
        assert "stride_lab_arithmetic_h9_w9_k3x3.py" in buttons[0].proto.label
        assert "odd-name.py" in buttons[1].proto.label
