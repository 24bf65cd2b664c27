r"""PyTorch code for the current view: one self-contained script per lesson, built from its settings.

Every lesson page offers the script behind what it shows (issue 20). Each function here takes the
page's current settings and returns the text of a complete Python program that imports only torch
(and numpy or math where natural), rebuilds the page's inputs exactly as stride_core does (the same
seeded ``torch.Generator`` draws in the same order and dtype), computes the page's result with
torch's own operators (F.conv2d, F.conv1d, F.conv_transpose2d, F.pixel_unshuffle, torch.fft,
autograd) and prints the numbers the page shows as labelled lines, e.g. ``output size: 5 x 5`` and
``max |difference| vs F.conv2d: 0.0e+00``. Where the page shows a hand-derived recipe (dilate, pad,
correlate), the script computes it next to torch's own result and prints their difference.

A script never imports stride_core or streamlit: it must run anywhere torch is installed. Pages
that work on a photo cannot ship the photo inside a script; their scripts draw a zone plate of the
same size instead and say so in a comment, so the numbers that do not depend on the picture (sizes,
the agreement of two computations) are the page's, and the others are the zone plate's.

The scripts are built from ``string.Template`` texts (``$name`` placeholders, so the scripts' own
braces stay literal); values enter through ``repr`` or the formatting helpers below, never as raw
user text.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from string import Template

from ._checks import check, check_choice, check_int

__all__ = [
    "arithmetic_code",
    "conv_tensor_code",
    "sampling_grids_code",
    "grid_compose_code",
    "property4_code",
    "polyphase_code",
    "stride_channels_code",
    "theorem1_code",
    "theorem2_code",
    "aliasing_code",
    "backprop_code",
    "diffstride_code",
    "transposed_size_code",
    "transposed_stamps_code",
    "overlap_code",
    "conventions_article_code",
    "flip_code",
    "same_padding_code",
    "pool_code",
    "pooling_vs_conv_code",
    "receptive_field_code",
    "script_filename",
]

Grid = Sequence[Sequence[float]]

# ---------------------------------------------------------------------------------------------
# Helpers (private).


def _num(v: float) -> str:
    """A float literal that reads back to the same float (ints stay ints)."""
    if isinstance(v, bool):
        raise TypeError("a number was expected, got a bool")
    if isinstance(v, int):
        return repr(v)
    f = float(v)
    check(math.isfinite(f), f"values must be finite, got {v!r}")
    return repr(f)


def _grid(name: str, values: Grid, dtype: str = "torch.float64", indent: str = "") -> str:
    """``name = torch.tensor([[...], ...], dtype=...)`` spread over one line per row."""
    rows = [list(r) for r in values]
    _shape(rows)  # a non-empty rectangle
    body = (",\n" + indent + "    ").join("[" + ", ".join(_num(v) for v in r) + "]" for r in rows)
    return f"{name} = torch.tensor([\n{indent}    {body},\n{indent}], dtype={dtype})"


def _vector(values: Sequence[float]) -> str:
    vals = list(values)
    check(len(vals) >= 1, "a list of numbers must not be empty")
    return "[" + ", ".join(_num(v) for v in vals) + "]"


def _shape(values: Grid) -> tuple[int, int]:
    rows = [list(r) for r in values]
    check(
        len(rows) >= 1 and all(len(r) == len(rows[0]) >= 1 for r in rows),
        "a grid must be a non-empty rectangle of numbers",
    )
    return len(rows), len(rows[0])


def _script(template: str, **values: object) -> str:
    text = Template(template.lstrip("\n")).substitute(**{k: str(v) for k, v in values.items()})
    return text.rstrip() + "\n"


_HEADER = '''"""Stride Lab · $title

$summary

Generated from the page's current settings; it needs only PyTorch: `python this_file.py`.
"""
'''

_ZONE_PLATE = '''
def zone_plate(h, w):
    """½ + ½·cos(k·r²) on an h×w grid: rings whose frequency, k·r/π cycles per pixel, grows with the radius r
    and reaches 0.45 (just below the Nyquist limit of ½) in the corners."""
    cy, cx = (h - 1) / 2, (w - 1) / 2
    r_max = math.sqrt(2) * cy if h == w else math.hypot(cy, cx)  # the corners' radius
    k = 0.45 * math.pi / max(r_max, 1e-9)
    y = torch.arange(h, dtype=torch.float64) - cy
    x = torch.arange(w, dtype=torch.float64) - cx
    r2 = x[None, :] * x[None, :] + y[:, None] * y[:, None]
    return (0.5 + 0.5 * torch.cos(k * r2)).float()
'''


def _photo_note(label: str, h: int, w: int) -> str:
    """The comment a script carries when the page worked on a picture it cannot ship."""
    label = " ".join(str(label).split())[:60].replace('"', "'") or "a picture"
    return (
        f"# The page used {label} ({h}×{w} pixels). A script cannot carry that picture, so this one\n"
        "# draws a zone plate of the same size: the sizes and the agreement checks below are the page's,\n"
        "# the image-dependent values are the zone plate's. To use your own picture, replace\n"
        "# zone_plate(H, W) below with an (H, W) float32 tensor in [0, 1], for example:\n"
        "#     import numpy as np\n"
        "#     from PIL import Image\n"
        f"#     img = Image.open('photo.png').convert('L').resize(({w}, {h}))  # PIL takes (width, height)\n"
        "#     picture = torch.from_numpy(np.asarray(img, dtype=np.float32) / 255)\n"
    )


def script_filename(lesson: str, **settings: object) -> str:
    """A file name that says the lesson and the settings: ``stride_lab_<lesson>_<key><value>_….py``.

    Values are reduced to letters, digits, ``x``, ``-`` and ``.``; sequences become ``AxB``.

    Example:
        >>> script_filename("arithmetic", h=9, w=9, k=(3, 3), s=(2, 2))
        'stride_lab_arithmetic_h9_w9_k3x3_s2x2.py'
    """

    def clean(v: object) -> str:
        if isinstance(v, (tuple, list)):
            return "x".join(clean(u) for u in v)
        if isinstance(v, float) and v.is_integer():
            v = int(v)
        return "".join(c if c.isalnum() or c in "-." else "-" for c in str(v))[:24]

    parts = [clean(lesson)] + [f"{clean(k)}{clean(v)}" for k, v in settings.items()]
    return "stride_lab_" + "_".join(p for p in parts if p) + ".py"


# ---------------------------------------------------------------------------------------------
# 01 Stride arithmetic.

_ARITHMETIC = (
    _HEADER
    + '''
import torch
import torch.nn.functional as F

# The page's settings.
H, W = $h, $w  # input height and width
KH, KW = $kh, $kw  # kernel height and width
P = $p  # zero padding on every side
SH, SW = $sh, $sw  # stride along the rows and along the columns
D = $d  # dilation: the gap between neighbouring kernel taps


def out_len(n, k, s, p, d):
    """Window positions along one axis: floor((n + 2p - d(k-1) - 1) / s) + 1, or 0 if the window never fits."""
    span = n + 2 * p - d * (k - 1) - 1
    return span // s + 1 if span >= 0 else 0


HO, WO = out_len(H, KH, SH, P, D), out_len(W, KW, SW, P, D)
print(f"output size: {HO} x {WO}")
if HO == 0 or WO == 0:
    span = f"{D * (KH - 1) + 1}x{D * (KW - 1) + 1}"
    print(f"no valid output: the kernel spans {span} pixels, the padded input is {H + 2 * P}x{W + 2 * P}")
    raise SystemExit(0)

# The same size from F.conv2d itself, on a seeded random input and kernel.
g = torch.Generator().manual_seed(0)
x = torch.randn(1, 1, H, W, generator=g, dtype=torch.float64, requires_grad=True)
k = torch.randn(1, 1, KH, KW, generator=g, dtype=torch.float64)
y = F.conv2d(x, k, stride=(SH, SW), padding=P, dilation=D)
print(f"F.conv2d output size: {y.shape[-2]} x {y.shape[-1]}")
print(f"max |difference| vs F.conv2d: {max(abs(HO - y.shape[-2]), abs(WO - y.shape[-1])):.1e}")

# Cost: one multiply-add per kernel tap and output position (one channel in, one out).
macs = HO * WO * KH * KW
macs_stride1 = out_len(H, KH, 1, P, D) * out_len(W, KW, 1, P, D) * KH * KW
print(f"multiply-adds: {macs:,}")
print(f"cost vs stride 1: {macs / macs_stride1:.1%}")

# Which pixels does some window read? Back-propagate a gradient of ones through a kernel of ones:
# x.grad[i, j] then counts the windows that contain pixel (i, j); 0 means the pixel is never read.
ones = torch.ones(1, 1, KH, KW, dtype=torch.float64)
F.conv2d(x, ones, stride=(SH, SW), padding=P, dilation=D).sum().backward()
reads = x.grad[0, 0].round().long()
never = int((reads == 0).sum())
print(f"input pixels never read: {never} ({never / (H * W):.0%})")
print(f"most reads of one pixel: {int(reads.max())}")
if H * W <= 400:
    print("reads per input pixel:")
    print(reads)
'''
)


def arithmetic_code(h: int, w: int, kh: int, kw: int, p: int, sh: int, sw: int, d: int) -> str:
    """The Stride arithmetic lesson as a script: output size, F.conv2d's shape, cost and never-read pixels.

    Source: "Stride and Resolution" (the output-size formula); the never-read pixels are found by
    autograd (a gradient of ones through a kernel of ones counts the windows over each pixel).

    Args:
        h, w: input size (>= 1); kh, kw: kernel size (>= 1); p: padding (>= 0); sh, sw: strides
            (>= 1); d: dilation (>= 1) — the page's widgets.

    Returns:
        The script's text; it prints ``output size: HO x WO``, ``max |difference| vs F.conv2d``,
        ``multiply-adds``, ``cost vs stride 1`` and ``input pixels never read``.

    Raises:
        ValueCheckError: if a setting is out of range.

    Example:
        >>> code = arithmetic_code(9, 9, 3, 3, 1, 2, 2, 1)
        >>> _ = compile(code, "arithmetic.py", "exec")
        >>> "stride_core" in code, "H, W = 9, 9" in code
        (False, True)
    """
    for name, v, lo in (
        ("h", h, 1),
        ("w", w, 1),
        ("kh", kh, 1),
        ("kw", kw, 1),
        ("p", p, 0),
        ("sh", sh, 1),
        ("sw", sw, 1),
        ("d", d, 1),
    ):
        check_int(v, name, lo)
    summary = (
        f"Input {h}×{w}, kernel {kh}×{kw}, padding {p}, stride {sh}×{sw}, dilation {d}: the output size by the\n"
        "formula and by F.conv2d, the multiply-adds, and the input pixels no window reads (found by autograd)."
    )
    return _script(
        _ARITHMETIC, title="Stride arithmetic", summary=summary, h=h, w=w, kh=kh, kw=kw, p=p, sh=sh, sw=sw, d=d
    )


# ---------------------------------------------------------------------------------------------
# 02 Convolutional tensors.

CONV_FILTERS = ("box", "sobel", "laplacian", "random", "typed")
CONV_INPUTS = ("random", "image", "typed")

_CONV_TENSOR = (
    _HEADER
    + '''
import torch
import torch.nn.functional as F

S = $s  # stride

# The filter H ($filter_note).
$filter_code

# The input X ($input_note).
$input_code

a, b = f.shape
Hin, Win = X.shape


def conv(image):
    """The stride-1 (valid) cross-correlation of the image with f, as CNNs compute it."""
    return F.conv2d(image[None, None], f[None, None])[0, 0]


# The convolutional tensor is the Jacobian of that linear map: C[i, j, k, l] = d out[i, j] / d X[k, l].
C = torch.autograd.functional.jacobian(conv, X)
P, Q = C.shape[:2]
print(f"tensor shape: {P} x {Q} x {Hin} x {Win}")
print(f"entries: {C.numel():,} ({int(C.count_nonzero()):,} non-zero)")

# Definition 2 written out: slice (i, j) is f with its top-left tap at (i, j), zero elsewhere.
C_def = torch.zeros(P, Q, Hin, Win, dtype=torch.float64)
for i in range(P):
    for j in range(Q):
        C_def[i, j, i : i + a, j : j + b] = f
print(f"max |difference| Jacobian vs Definition 2: {(C - C_def).abs().max().item():.1e}")

# Properties 1-2: one step down (or right) in both the output and the input index leaves an entry unchanged.
shift_ok = torch.equal(C[1:, :, 1:, :], C[:-1, :, :-1, :]) and torch.equal(C[:, 1:, :, 1:], C[:, :-1, :, :-1])
print(f"shift equalities hold: {shift_ok}")

# Stride S keeps the slices (i, j) with i, j multiples of S; the product with X is then F.conv2d with stride S.
kept = C[::S, ::S]
by_tensor = torch.einsum("ijkl,kl->ij", kept, X)
by_torch = F.conv2d(X[None, None], f[None, None], stride=S)[0, 0]
print(f"output of stride s: {by_torch.shape[0]} x {by_torch.shape[1]}")
print(f"slices kept by the stride: {kept.shape[0] * kept.shape[1]} of {P * Q}")
print(f"max |difference| vs F.conv2d: {(by_tensor - by_torch).abs().max().item():.1e}")
print("output (F.conv2d):")
print(by_torch)
'''
)


def conv_tensor_code(filt: Grid, x: Grid, s: int, *, filter_name: str = "typed", input_name: str = "typed") -> str:
    """The Convolutional tensors lesson as a script: 𝓗 as the Jacobian of F.conv2d, Definition 2, stride s.

    Source: Kong and Lucey, "Take it in your stride: Do we need striding in CNNs?", Definitions
    1–2 and Properties 1–3. Seeded filters and inputs are regenerated as the page does
    (``example_filter(name, (a, b), seed=10a + b)``; random input integers 0–9 from seed
    100·rows + cols); typed cells and the photo patch are written into the script as numbers.

    Args:
        filt: the page's filter (a, b) as nested numbers (sobel and laplacian are 3×3).
        x: the page's input (rows, cols) as nested numbers.
        s: stride, >= 1.
        filter_name: one of CONV_FILTERS; input_name: one of CONV_INPUTS.

    Returns:
        The script's text; it prints ``tensor shape``, ``entries``, ``output of stride s``,
        ``slices kept by the stride`` and ``max |difference| vs F.conv2d``.

    Raises:
        ValueCheckError: on a bad name, stride or grid, or a filter larger than the input.

    Example:
        >>> code = conv_tensor_code([[1, 1], [1, 1]], [[0] * 4] * 4, 2, filter_name="box", input_name="random")
        >>> _ = compile(code, "conv_tensor.py", "exec")
        >>> "manual_seed(404)" in code
        True
    """
    check_choice(filter_name, "filter_name", CONV_FILTERS)
    check_choice(input_name, "input_name", CONV_INPUTS)
    check_int(s, "stride s", 1)
    (a, b), (h, w) = _shape(filt), _shape(x)
    check(a <= h and b <= w, f"the {a}×{b} filter must fit in the {h}×{w} input")
    if filter_name == "box":
        fcode, fnote = f"f = torch.ones({a}, {b}, dtype=torch.float64)", f"box: {a}×{b} ones"
    elif filter_name == "sobel":
        fcode, fnote = (
            "f = torch.tensor([[1, 0, -1], [2, 0, -2], [1, 0, -1]], dtype=torch.float64)",
            "Sobel, vertical edges",
        )
    elif filter_name == "laplacian":
        fcode, fnote = "f = torch.tensor([[0, 1, 0], [1, -4, 1], [0, 1, 0]], dtype=torch.float64)", "Laplacian"
    elif filter_name == "random":
        fcode = (
            f"g = torch.Generator().manual_seed({10 * a + b})  # the page seeds it with 10·rows + cols\n"
            f"f = torch.randint(-3, 4, ({a}, {b}), generator=g).to(torch.float64)"
        )
        fnote = f"random integers -3..3, {a}×{b}"
    else:
        fcode, fnote = _grid("f", filt), "typed on the page"
    if input_name == "random":
        xcode = (
            f"g = torch.Generator().manual_seed({100 * h + w})  # the page seeds it with 100·rows + cols\n"
            f"X = torch.randint(0, 10, ({h}, {w}), generator=g).double()"
        )
        xnote = f"random integers 0..9, {h}×{w}"
    elif input_name == "image":
        xcode, xnote = _grid("X", x), f"a {h}×{w} patch of the sample photo, rounded to 2 decimals as on the page"
    else:
        xcode, xnote = _grid("X", x), "typed on the page"
    summary = (
        f"A {a}×{b} filter on a {h}×{w} input at stride {s}: the 4-D convolutional tensor (as the Jacobian\n"
        "of F.conv2d and by Definition 2 of Kong and Lucey), its shift equalities, and the strided product\n"
        "against F.conv2d."
    )
    return _script(
        _CONV_TENSOR,
        title="Convolutional tensors",
        summary=summary,
        s=s,
        filter_note=fnote,
        filter_code=fcode,
        input_note=xnote,
        input_code=xcode,
    )


# ---------------------------------------------------------------------------------------------
# 03 Sampling grids (one script per section of the page).

_GRIDS = (
    _HEADER
    + """
import torch

N = $n  # the matrix is N×N
S = $s  # stride

x = torch.arange(N * N, dtype=torch.float64).reshape(N, N)
count = torch.zeros(N, N, dtype=torch.long)
for m in range(1, S + 1):  # grid offsets count from 1, as in the paper
    for n in range(1, S + 1):
        part = x[m - 1 :: S, n - 1 :: S]  # T^(S)_{m,n}(x): every S-th element from (m, n)
        count[m - 1 :: S, n - 1 :: S] += 1
        print(f"T({m},{n}): {part.shape[0]} x {part.shape[1]}")
print(f"grids: {S * S}")
print(f"elements: {N * N}")
print(f"every element kept exactly once: {bool((count == 1).all())}")
print(f"max |difference| vs all ones: {(count - 1).abs().max().item():.1e}")
"""
)


def sampling_grids_code(n: int, s: int) -> str:
    """Section 1 of Sampling grids as a script: the s² grids T^(s)_{m,n} of an n×n matrix cover it once.

    Source: Kong and Lucey, Definition 3 and Figure 3.

    Args:
        n: matrix size, >= 1; s: stride, >= 1.

    Returns:
        The script's text; it prints one ``T(m,n): h x w`` line per grid, ``grids``,
        ``elements`` and ``max |difference| vs all ones``.

    Example:
        >>> _ = compile(sampling_grids_code(6, 2), "grids.py", "exec")
    """
    check_int(n, "matrix size n", 1)
    check_int(s, "stride s", 1)
    summary = (
        f"The {s * s} sampling grids of stride {s} on a {n}×{n} matrix (Definition 3, Figure 3 of Kong and Lucey)."
    )
    return _script(_GRIDS, title="Sampling grids: the s² grids", summary=summary, n=n, s=s)


_COMPOSE = (
    _HEADER
    + """
import torch

N = $size  # the matrix is N×N
S_L = $s_l  # first stride (a layer keeps the grid (1, 1))
S = $s  # then the grid (M, N_OFF) of stride S
M, N_OFF = $m, $n_off  # offsets count from 1, as in the paper

x = torch.arange(float(N * N)).reshape(N, N)
twice = x[::S_L, ::S_L][M - 1 :: S, N_OFF - 1 :: S]  # T^(S)_{M,N} of T^(S_L)_{1,1}
s2, m2, n2 = S * S_L, (M - 1) * S_L + 1, (N_OFF - 1) * S_L + 1  # Equation 26
once = x[m2 - 1 :: s2, n2 - 1 :: s2]
print(f"single grid: s' = {s2}, m' = {m2}, n' = {n2}")
print(f"kept: {once.shape[0]} x {once.shape[1]}")
same = twice.shape == once.shape
print(f"max |difference| vs the single grid: {(twice - once).abs().max().item() if same and once.numel() else 0.0:.1e}")
"""
)


def grid_compose_code(size: int, s_l: int, s: int, m: int, n: int) -> str:
    """Section 2 of Sampling grids as a script: a grid of a grid is one grid (Equations 25–26).

    Args:
        size: matrix size, >= 1; s_l: first stride, >= 1; s: second stride, >= 1; m, n: its
            offsets, 1..s.

    Returns:
        The script's text; it prints ``single grid: s' = …, m' = …, n' = …`` and the difference.

    Example:
        >>> _ = compile(grid_compose_code(12, 2, 2, 2, 1), "compose.py", "exec")
    """
    check_int(size, "matrix size", 1)
    check_int(s_l, "stride s_l", 1)
    check_int(s, "stride s", 1)
    check_int(m, "offset m", 1, s)
    check_int(n, "offset n", 1, s)
    summary = (
        f"Stride {s_l} from (1, 1), then the grid ({m}, {n}) of stride {s}, on a {size}×{size} matrix, equals one grid."
    )
    return _script(
        _COMPOSE, title="Sampling grids: a grid of a grid", summary=summary, size=size, s_l=s_l, s=s, m=m, n_off=n
    )


_PROPERTY4 = (
    _HEADER
    + '''
import torch
import torch.nn.functional as F

SIZE = $size  # the input is SIZE×SIZE
S = $s  # stride
M, N = $m, $n  # output grid (1-based)
P, Q = $p, $q  # input grid (1-based)

# The 3×3 filter ($filter_note).
$filter_code


def conv_tensor(filt, h, w):
    """The 4-D tensor of the stride-1 convolution with filt on an h×w input: the Jacobian of F.conv2d."""
    return torch.autograd.functional.jacobian(
        lambda image: F.conv2d(image[None, None], filt[None, None])[0, 0], torch.zeros(h, w, dtype=torch.float64)
    )


C = conv_tensor(f, SIZE, SIZE)
G = C[M - 1 :: S, N - 1 :: S, P - 1 :: S, Q - 1 :: S]  # S^{3,4}_{P,Q,S}(S^{1,2}_{M,N,S}(C))
small = F.pad(f, (N - 1, 0, M - 1, 0))[P - 1 :: S, Q - 1 :: S]  # T^(S)_{P,Q}(O_{M-1,N-1}(f))
print(f"sub-sampled tensor shape: {' x '.join(map(str, G.shape))}")
print(f"small filter: {small.shape[0]} x {small.shape[1]}")
print(small)
if G.numel() == 0 or small.numel() == 0:
    rebuilt = torch.zeros_like(G)
else:
    rebuilt = conv_tensor(small, G.shape[2], G.shape[3])[: G.shape[0], : G.shape[1]]
diff = (G - rebuilt).abs().max().item() if G.numel() else 0.0
print(f"max |difference| vs the small filter's tensor: {diff:.1e}")
shift_ok = torch.equal(G[1:, :, 1:, :], G[:-1, :, :-1, :]) and torch.equal(G[:, 1:, :, 1:], G[:, :-1, :, :-1])
print(f"shift equalities hold: {shift_ok}")
'''
)

_SMALL_FILTERS = {
    "box": ("f = torch.ones(3, 3, dtype=torch.float64)", "box"),
    "sobel": ("f = torch.tensor([[1, 0, -1], [2, 0, -2], [1, 0, -1]], dtype=torch.float64)", "Sobel"),
    "laplacian": ("f = torch.tensor([[0, 1, 0], [1, -4, 1], [0, 1, 0]], dtype=torch.float64)", "Laplacian"),
}


def property4_code(name: str, size: int, s: int, m: int, n: int, p: int, q: int) -> str:
    """Section 3 of Sampling grids as a script: Property 4, a sub-sampled convolutional tensor and its small filter.

    Source: Kong and Lucey, Property 4. The random filter is regenerated as the page does
    (integers −3..3 from a generator seeded with the input size).

    Args:
        name: "random", "box", "sobel" or "laplacian"; size: input size (>= 3); s: stride (>= 1);
            m, n, p, q: grid offsets, 1..s.

    Returns:
        The script's text; it prints the sub-sampled tensor's shape, the small filter and the
        ``max |difference| vs the small filter's tensor``.

    Example:
        >>> _ = compile(property4_code("random", 7, 2, 1, 2, 2, 1), "property4.py", "exec")
    """
    check_choice(name, "filter name", ("random", "box", "sobel", "laplacian"))
    check_int(size, "input size", 3)
    check_int(s, "stride s", 1)
    for k, v in (("m", m), ("n", n), ("p", p), ("q", q)):
        check_int(v, k, 1, s)
    if name == "random":
        fcode = (
            f"g = torch.Generator().manual_seed({size})  # the page seeds it with the input size\n"
            "f = torch.randint(-3, 4, (3, 3), generator=g).to(torch.float64)"
        )
        note = "random integers -3..3"
    else:
        fcode, note = _SMALL_FILTERS[name]
    summary = (
        f"Keep the output grid ({m}, {n}) and the input grid ({p}, {q}) of stride {s} of the convolutional\n"
        f"tensor of a 3×3 {name} filter on a {size}×{size} input: the result is the tensor of a smaller\n"
        "filter (Kong and Lucey, Property 4)."
    )
    return _script(
        _PROPERTY4,
        title="Sampling grids: Property 4",
        summary=summary,
        size=size,
        s=s,
        m=m,
        n=n,
        p=p,
        q=q,
        filter_code=fcode,
        filter_note=note,
    )


_POLYPHASE = (
    _HEADER
    + """
import math

import torch
import torch.nn.functional as F

S = $s  # stride
H, W = $h, $w  # image size

$photo_note

$zone_plate


x = zone_plate(H, W)[None, None]  # (1, 1, H, W)

# The S² grids as channels: pad at the bottom and right to a multiple of S, then F.pixel_unshuffle.
padded = F.pad(x, (0, -W % S, 0, -H % S))
channels = F.pixel_unshuffle(padded, S)[0]  # channel (m-1)·S + (n-1) holds the grid (m, n)
print(f"{H}x{W} pixels become {channels.shape[0]} channels of {channels.shape[1]} x {channels.shape[2]}")

# The same channels by slicing, on the image cropped to a multiple of S (pixel_unshuffle needs that).
h, w = (H // S) * S, (W // S) * S
crop = x[..., :h, :w]
sliced = torch.stack([crop[0, 0, m :: S, n :: S] for m in range(S) for n in range(S)])
print(f"max |difference| vs F.pixel_unshuffle: {(sliced - F.pixel_unshuffle(crop, S)[0]).abs().max().item():.1e}")
"""
)


def polyphase_code(s: int, h: int, w: int, *, image_label: str = "the camera photo") -> str:
    """Section 4 of Sampling grids as a script: an image as s² channels, by slicing and by F.pixel_unshuffle.

    Args:
        s: stride, >= 1; h, w: the picture's size, each >= s.
        image_label: what the page showed (named in the script's comment).

    Returns:
        The script's text; it prints ``H x W pixels become …`` and ``max |difference| vs F.pixel_unshuffle``.

    Example:
        >>> _ = compile(polyphase_code(2, 128, 128), "polyphase.py", "exec")
    """
    check_int(s, "stride s", 1)
    check_int(h, "height", s)
    check_int(w, "width", s)
    summary = (
        f"A {h}×{w} picture split into the {s * s} grids of stride {s}, stacked as channels\n"
        "(in F.pixel_unshuffle's order)."
    )
    return _script(
        _POLYPHASE,
        title="Sampling grids: an image as s² channels",
        summary=summary,
        s=s,
        h=h,
        w=w,
        photo_note=_photo_note(image_label, h, w),
        zone_plate=_ZONE_PLATE.strip("\n"),
    )


# ---------------------------------------------------------------------------------------------
# 04 Stride = channels.

_FIGURE1 = (
    _HEADER
    + """
import torch
import torch.nn.functional as F

S = $s  # stride
w = torch.tensor($w, dtype=torch.float64)  # the filter
x = torch.tensor($x, dtype=torch.float64)  # the signal
k, n = len(w), len(x)
rows = (n - k) // S + 1

# The strided Toeplitz matrix: row i holds w starting at column S·i.
M = torch.zeros(rows, n, dtype=torch.float64)
for i in range(rows):
    M[i, S * i : S * i + k] = w
reference = F.conv1d(x[None, None], w[None, None], stride=S)[0, 0]
print(f"F.conv1d with stride {S}: {reference.tolist()}")
print(f"max |difference| matrix vs F.conv1d: {(M @ x - reference).abs().max().item():.1e}")

# Group the columns by phase (index mod S): each block is a stride-1 convolution of one phase of w
# with the same phase of x.
order = torch.cat([torch.arange(p, n, S) for p in range(S)])
print(f"columns grouped by phase: {order.tolist()}")
total = torch.zeros(rows, dtype=torch.float64)
for p in range(S):
    wp, xp = w[p::S], x[p::S]
    term = F.conv1d(xp[None, None], wp[None, None])[0, 0, :rows] if len(wp) else torch.zeros(rows, dtype=torch.float64)
    total += term
    print(f"phase {p}: w[{p}::{S}] = {wp.tolist()}, x[{p}::{S}] = {xp.tolist()} -> {term.tolist()}")
print(f"sum of the phase terms: {total.tolist()}")
print(f"max |difference| vs F.conv1d: {(total - reference).abs().max().item():.1e}")
"""
)


def stride_channels_code(w: Sequence[float], x: Sequence[float], s: int) -> str:
    """Figure 1 of Stride = channels as a script: a strided 1-D convolution as a sum of s stride-1 ones.

    Source: Kong and Lucey, Figure 1 (the 1-D toy example).

    Args:
        w: filter values (1 to 8); x: signal values (at least len(w)); s: stride, >= 1.

    Returns:
        The script's text; it prints ``F.conv1d with stride s``, the phase terms, their sum and
        ``max |difference| vs F.conv1d``.

    Example:
        >>> _ = compile(stride_channels_code([1, 2, 3, 4], [1, 2, 3, 4, 5, 6, 7, 8], 2), "figure1.py", "exec")
    """
    check_int(s, "stride s", 1)
    check(1 <= len(w) <= len(x), f"the filter must have 1 to {len(x)} values (the signal's length), got {len(w)}")
    summary = f"A filter of {len(w)} taps on a signal of {len(x)} samples at stride {s} (Kong and Lucey, Figure 1)."
    return _script(_FIGURE1, title="Stride = channels: Figure 1", summary=summary, s=s, w=_vector(w), x=_vector(x))


_THEOREM1 = (
    _HEADER
    + '''
import math

import torch
import torch.nn.functional as F

S = $s  # stride
PAD = $pad  # zero padding
H, W = $h, $w  # image size
M, N = $m, $n  # Lemma 1's output grid (1-based)

$photo_note

$zone_plate


x = zone_plate(H, W)[None, None]  # (1, 1, H, W) float32

# The kernel ($kernel_name).
$kernel_code
k = k[None, None]  # (1, 1, kh, kw)
kh, kw = k.shape[-2:]

reference = F.conv2d(x, k, stride=S, padding=PAD)
oh, ow = reference.shape[-2:]
print(f"output size: {oh} x {ow}")

# Theorem 1: the strided convolution is the sum over the S² phases (p, q) of stride-1 convolutions
# of the phase of the kernel with the same phase of the (padded) image.
xp = F.pad(x, (PAD, PAD, PAD, PAD))
total = torch.zeros_like(reference)
for p in range(S):
    for q in range(S):
        k_pq = k[..., p::S, q::S]
        if k_pq.numel():
            total += F.conv2d(xp[..., p::S, q::S], k_pq)[..., :oh, :ow]
print(f"max |difference| sum of the S² terms vs F.conv2d: {(total - reference).abs().max().item():.1e}")


def fit(t, h, w):
    """Crop or zero-pad the last two dims at the bottom and right to exactly h×w."""
    t = t[..., :h, :w]
    return F.pad(t, (0, w - t.shape[-1], 0, h - t.shape[-2]))


# The same sum as ONE stride-1 convolution whose S² input channels are the phases (F.pixel_unshuffle).
kth, ktw = -(-kh // S), -(-kw // S)
k_phases = F.pixel_unshuffle(fit(k, S * kth, S * ktw), S)
x_phases = F.pixel_unshuffle(fit(xp, S * (oh + kth - 1), S * (ow + ktw - 1)), S)
fast = F.conv2d(x_phases, k_phases)
diff = (fast - reference).abs().max().item()
print(f"max |difference| one stride-1 convolution over S² channels vs F.conv2d: {diff:.1e}")
$lemma
'''
)

_LEMMA = """
# Lemma 1: the grid (M, N) of the stride-1 output, from a kernel padded with M-1 zero rows and N-1 zero columns.
want = F.conv2d(x, k)[..., M - 1 :: S, N - 1 :: S]
ko = F.pad(k, (N - 1, 0, M - 1, 0))
got = torch.zeros_like(want)
for p in range(S):
    for q in range(S):
        k_pq = ko[..., p::S, q::S]
        if k_pq.numel() and want.numel():
            got += F.conv2d(x[..., p::S, q::S], k_pq)[..., : want.shape[-2], : want.shape[-1]]
diff = (got - want).abs().max().item() if want.numel() else 0.0
print(f"Lemma 1 grid ({M},{N}): {want.shape[-2]} x {want.shape[-1]}")
print(f"max |difference| Lemma 1 vs sub-sampled stride-1 output: {diff:.1e}")
"""


def theorem1_code(
    kernel: Grid,
    s: int,
    pad: int,
    m: int,
    n: int,
    *,
    h: int,
    w: int,
    kernel_name: str = "typed",
    image_label: str = "the camera photo",
) -> str:
    """Theorem 1 and Lemma 1 of Stride = channels as a script: a strided 2-D convolution with stride-1 ones only.

    Source: Kong and Lucey, Theorem 1 (Equations 10–13) and Lemma 1 (Equation 14). A kernel named
    ``random k×k`` is regenerated as the page does (``torch.randn(k, k)`` from a generator seeded
    with k); others are written in as numbers (float32, as on the page).

    Args:
        kernel: the page's kernel as nested numbers; s: stride (>= 1); pad: padding (>= 0);
            m, n: Lemma 1's grid, 1..s; h, w: the picture's size.
        kernel_name: the page's kernel name; image_label: what the page showed.

    Returns:
        The script's text; it prints ``output size`` and the three ``max |difference|`` lines
        (Lemma 1's only when the kernel fits the unpadded picture, as on the page).

    Example:
        >>> _ = compile(theorem1_code([[1, 2], [3, 4]], 2, 0, 1, 1, h=16, w=16), "theorem1.py", "exec")
    """
    check_int(s, "stride s", 1)
    check_int(pad, "padding", 0)
    check_int(m, "m", 1, s)
    check_int(n, "n", 1, s)
    check_int(h, "height", 1)
    check_int(w, "width", 1)
    kh, kw = _shape(kernel)
    check(kh <= h + 2 * pad and kw <= w + 2 * pad, f"the {kh}×{kw} kernel must fit in the padded {h}×{w} picture")
    name = " ".join(str(kernel_name).split())[:40]
    if name.startswith("random") and kh == kw:
        kcode = (
            "# seeded with its size, as on the page\n"
            f"k = torch.randn({kh}, {kw}, generator=torch.Generator().manual_seed({kh}))"
        )
    else:
        kcode = _grid("k", kernel, dtype="torch.float32")
    lemma = (
        _LEMMA
        if kh <= h and kw <= w
        else "# (Lemma 1 is skipped, as on the page: the kernel does not fit the unpadded picture.)"
    )
    summary = (
        f"The {name} kernel on a {h}×{w} picture at stride {s}, padding {pad}: Theorem 1 of Kong and Lucey\n"
        f"(a sum of {s * s} stride-1 convolutions, then one stride-1 convolution over {s * s} phase channels)\n"
        f"and Lemma 1 at ({m}, {n})."
    )
    return _script(
        _THEOREM1,
        title="Stride = channels: Theorem 1 and Lemma 1",
        summary=summary,
        s=s,
        pad=pad,
        h=h,
        w=w,
        m=m,
        n=n,
        photo_note=_photo_note(image_label, h, w),
        zone_plate=_ZONE_PLATE.strip("\n"),
        kernel_name=name.replace("\n", " "),
        kernel_code=kcode,
        lemma=lemma.strip("\n"),
    )


# ---------------------------------------------------------------------------------------------
# 05 Aliasing pyramid.

ALIAS_METHODS = ("strided_convolve", "naive_subsample", "blur_pool", "spectral_pool", "avg_pool")
ALIAS_IMAGES = ("seed001", "zone", "photo")

_ALIASING = (
    _HEADER
    + '''
import math

import torch
import torch.nn.functional as F

MODE = "$mode"  # "strides": strides 1..S, "pyramid": DEPTH steps of stride S
S = $s
DEPTH = $depth
METHODS = $methods
BLUR = $blur  # BlurPool's binomial filter size

# The image ($image_note).
$image_code
H, W = x.shape[-2:]


def strided_convolve(x, s):
    """The source's 3×3 box blur (weights 1/9) with stride s, no padding."""
    box = torch.full((1, 1, 3, 3), 1.0 / 9, dtype=x.dtype)
    return F.conv2d(x[None], box, stride=s)[0]


def naive_subsample(x, s):
    """Keep every s-th row and column, from (0, 0)."""
    return x[..., ::s, ::s]


def binomial(k):
    row = torch.tensor([math.comb(k - 1, i) for i in range(k)], dtype=torch.float64) / 2 ** (k - 1)
    return torch.outer(row, row)


def pad_same(xb, k):
    lo, hi = (k - 1) // 2, k // 2
    if lo == 0 and hi == 0:
        return xb
    mode = "reflect" if hi < xb.shape[-2] and hi < xb.shape[-1] else "replicate"
    return F.pad(xb, (lo, hi, lo, hi), mode=mode)


def blur_pool(x, s, k=BLUR):
    """Zhang (2019): blur with a k×k binomial filter (reflect padding), then keep every s-th pixel."""
    return F.conv2d(pad_same(x[None], k), binomial(k).to(x.dtype)[None, None], stride=s)[0]


def spectral_pool(x, s):
    """Rippel et al. (2015): keep the lowest ceil(H/s)×ceil(W/s) frequencies of the DFT, invert, keep the mean."""
    h, w = -(-x.shape[-2] // s), -(-x.shape[-1] // s)
    X = torch.fft.fftshift(torch.fft.fft2(x), dim=(-2, -1))
    r0, c0 = x.shape[-2] // 2 - h // 2, x.shape[-1] // 2 - w // 2
    crop = torch.fft.ifftshift(X[..., r0 : r0 + h, c0 : c0 + w], dim=(-2, -1))
    return (torch.fft.ifft2(crop).real * (h * w / (x.shape[-2] * x.shape[-1]))).to(x.dtype)


def avg_pool(x, s):
    """The mean of each s×s block."""
    return F.avg_pool2d(x[None], s, s)[0]


DOWN = dict(strided_convolve=strided_convolve, naive_subsample=naive_subsample, blur_pool=blur_pool,
            spectral_pool=spectral_pool, avg_pool=avg_pool)


def pearson(a, b):
    """Pearson correlation over all pixels: 1 means equal up to brightness and contrast."""
    a, b = a.reshape(-1, a.shape[-1]), b.reshape(-1, b.shape[-1])
    da, db = a - a.mean(dim=(-2, -1), keepdim=True), b - b.mean(dim=(-2, -1), keepdim=True)
    return float((da * db).sum(dim=(-2, -1)) / torch.sqrt((da * da).sum(dim=(-2, -1)) * (db * db).sum(dim=(-2, -1))))


def aliased_fraction(x, method, s):
    """Share of the output's spectrum (mean removed) folded in from above the new Nyquist limit.

    Every method but spectral pooling is "filter at stride 1, keep every s-th pixel": subsampling
    adds up s² shifted copies of the filtered spectrum; all copies but the central one are aliasing.
    """
    if method == "spectral_pool" or s == 1:
        return 0.0
    xb = x[None]
    if method == "strided_convolve":
        y = F.conv2d(xb, torch.full((1, 1, 3, 3), 1.0 / 9, dtype=x.dtype))[0]
    elif method == "blur_pool":
        y = F.conv2d(pad_same(xb, BLUR), binomial(BLUR).to(x.dtype)[None, None])[0]
    elif method == "avg_pool":
        y = F.avg_pool2d(xb, s, 1)[0]
    else:
        y = x
    h2, w2 = (y.shape[-2] // s) * s, (y.shape[-1] // s) * s
    y = y[..., :h2, :w2]
    y = y - y.mean(dim=(-2, -1), keepdim=True)
    h, w = h2 // s, w2 // s
    Y = torch.fft.fft2(y[..., ::s, ::s])
    Xc = torch.fft.fftshift(torch.fft.fft2(y), dim=(-2, -1))
    r0, c0 = h2 // 2 - h // 2, w2 // 2 - w // 2
    base = torch.fft.ifftshift(Xc[..., r0 : r0 + h, c0 : c0 + w], dim=(-2, -1)) / (s * s)
    total = float((Y.abs() ** 2).sum())
    return float(((Y - base).abs() ** 2).sum()) / total if total > 0 else 0.0


if MODE == "strides":
    # The source's experiment: shrink, blow back up by repeating pixels, correlate with the original.
    print(f"{'stride':<8}{'method':<18}{'dims':<8}{'corr vs orig':<14}aliased")
    for s in range(1, S + 1):
        for name in METHODS:
            out = DOWN[name](x, s)
            restored = F.interpolate(out[None], size=(H, W), mode="nearest")[0]
            corr = pearson(restored, x)
            corr_text = "n/a" if math.isnan(corr) else f"{corr:.3f}"
            dims = f"{out.shape[-2]}x{out.shape[-1]}"
            print(f"{s:<8}{name:<18}{dims:<8}{corr_text:<14}{aliased_fraction(x, name, s):.0%}")
    check = (strided_convolve(x, S) - F.avg_pool2d(x[None], 3, S)[0]).abs().max().item()
    print(f"max |difference| 3x3 box convolution vs F.avg_pool2d(3, stride {S}): {check:.1e}")
else:
    # A pyramid: repeat one stride; a level too small to shrink again ends the row early.
    for name in METHODS:
        levels = [x]
        for _ in range(DEPTH):
            if min(levels[-1].shape[-2:]) < (3 if name == "strided_convolve" else S):
                break
            levels.append(DOWN[name](levels[-1], S))
        print(f"{name}: " + " -> ".join(f"{t.shape[-2]}x{t.shape[-1]}" for t in levels))
'''
)


def aliasing_code(
    image: str,
    size: int,
    s: int,
    *,
    mode: str = "strides",
    depth: int = 3,
    methods: Sequence[str] = ("strided_convolve", "naive_subsample"),
    blur: int = 3,
    seed: int = 1904,
    noise: float = 0.32,
    shape: tuple[int, int] | None = None,
    image_label: str = "the camera photo",
) -> str:
    """The Aliasing pyramid lesson as a script: the source's correlation table, or a pyramid's sizes.

    Sources: "Stride and Resolution" (the experiment), Zhang 2019 (BlurPool), Rippel et al. 2015
    (spectral pooling). The source's test image is regenerated exactly as stride_core does (two
    sinusoids, then salt and pepper from ``torch.Generator().manual_seed(seed)``: first the hit
    draw, then the salt draw, both float64); the zone plate by its formula; a photo becomes a
    zone plate of its size.

    Args:
        image: "seed001", "zone" or "photo"; size: working size (the image is size×size unless
            shape is given for a photo); s: largest stride (strides mode) or the stride of each step
            (pyramid mode); mode: "strides" or "pyramid"; depth: pyramid steps; methods: names from
            ALIAS_METHODS; blur: BlurPool size; seed, noise: the source image's draw.

    Returns:
        The script's text; strides mode prints the table (one row per stride and method:
        stride, method, dims, corr vs orig, aliased) and the F.avg_pool2d check; pyramid mode
        prints one line of sizes per method.

    Example:
        >>> _ = compile(aliasing_code("seed001", 24, 3), "aliasing.py", "exec")
    """
    check_choice(image, "image", ALIAS_IMAGES)
    check_choice(mode, "mode", ("strides", "pyramid"))
    check_int(size, "size", 3)
    check_int(s, "stride s", 1 if mode == "strides" else 2)
    check_int(depth, "depth", 0)
    check_int(blur, "blur size", 1)
    check_int(seed, "seed", 0)
    check(isinstance(noise, (int, float)) and 0.0 <= float(noise) <= 1.0, f"noise must be in [0, 1], got {noise!r}")
    methods = tuple(methods)
    check(len(methods) >= 1, "choose at least one method")
    for m in methods:
        check_choice(m, "method", ALIAS_METHODS)
    h, w = (size, size) if shape is None else (int(shape[0]), int(shape[1]))
    if image == "seed001":
        note = f"the source's test image, {size}×{size}, seed {seed}, {float(noise):.0%} salt and pepper"
        code = f"""SIZE, SEED, NOISE = {size}, {seed}, {_num(float(noise))}
idx = torch.arange(SIZE, dtype=torch.float64)
i, j = torch.meshgrid(idx, idx, indexing="ij")
background = 0.5 + 0.25 * torch.sin(2 * math.pi * j / SIZE) + 0.25 * torch.sin(2 * math.pi * i / SIZE)
gen = torch.Generator().manual_seed(SEED)
hit = torch.rand(SIZE, SIZE, generator=gen, dtype=torch.float64) < NOISE  # which pixels get noise
salt = torch.rand(SIZE, SIZE, generator=gen, dtype=torch.float64) < 0.5  # white (salt) or black (pepper)
x = torch.where(hit, salt.double(), background)[None].float()  # (1, SIZE, SIZE)"""
    else:
        note = f"a zone plate, {h}×{w}" if image == "zone" else "a stand-in for the page's picture"
        code = _ZONE_PLATE.strip("\n") + "\n\n\n"
        if image == "photo":
            code = _photo_note(image_label, h, w) + "\n" + code
        code += f"H, W = {h}, {w}\nx = zone_plate(H, W)[None]  # (1, H, W)"
    summary = (
        f"{'Strides 1 to ' + str(s) if mode == 'strides' else f'{depth} steps of stride {s}'} on a {h}×{w} image with "
        f"{', '.join(methods)}:\nshrink, blow back up by repeating pixels, and correlate with the original\n"
        "(Stride and Resolution)."
    )
    return _script(
        _ALIASING,
        title="Aliasing pyramid",
        summary=summary,
        mode=mode,
        s=s,
        depth=depth,
        methods=repr(methods),
        blur=blur,
        image_note=note,
        image_code=code,
    )


# ---------------------------------------------------------------------------------------------
# 06 Backprop with stride.

UPSTREAM = ("random integers", "all ones", "squared error")

# The opening of the scripts that work on one (H, W) input with a (KH, KW) kernel and an (SH, SW) stride.
_SIZES_2D = """
import torch
import torch.nn.functional as F

H, W = $h, $w  # input size$one_d_note
KH, KW = $kh, $kw  # kernel size
SH, SW = $sh, $sw  # stride
"""

_BACKPROP = (
    _HEADER
    + _SIZES_2D
    + '''PH, PW = $ph, $pw  # zero padding
SEED = $seed

# The page's example: small random integers, drawn in this order from one seeded generator.
g = torch.Generator().manual_seed(SEED)
x = torch.randint(-2, 3, (H, W), generator=g).double()
w = torch.randint(-1, 3, (KH, KW), generator=g).double()
for _ in range(32):  # never a lone tap (a one-tap kernel only shifts): drawn again, as the page does
    if int((w != 0).sum()) >= min(2, KH * KW):
        break
    w = torch.randint(-1, 3, (KH, KW), generator=g).double()
y = F.conv2d(x[None, None], w[None, None], stride=(SH, SW), padding=(PH, PW))[0, 0]
print(f"output size: {y.shape[0]} x {y.shape[1]}")

# The upstream gradient dy = dL/dy ($kind).
$upstream

# torch.autograd: the reference.
xg, wg = x.clone().requires_grad_(), w.clone().requires_grad_()
yg = F.conv2d(xg[None, None], wg[None, None], stride=(SH, SW), padding=(PH, PW))[0, 0]
$loss
loss.backward()
dx_autograd, dw_autograd = xg.grad, wg.grad


def dilate(t, sh, sw):
    """Insert s - 1 zeros between neighbouring entries."""
    out = t.new_zeros((t.shape[0] - 1) * sh + 1, (t.shape[1] - 1) * sw + 1)
    out[::sh, ::sw] = t
    return out


def to_input(g_padded):
    """Put a gradient of the padded input (from row/col 0) into x's coordinates: zero past its end, no padding."""
    full = torch.zeros(H + 2 * PH, W + 2 * PW, dtype=g_padded.dtype)
    full[: g_padded.shape[0], : g_padded.shape[1]] = g_padded[: H + 2 * PH, : W + 2 * PW]
    return full[PH : PH + H, PW : PW + W]


# The recipe: dilate dy with s - 1 zeros, pad by k - 1, correlate with the kernel turned by 180°.
spread = F.pad(dilate(dy, SH, SW), (KW - 1, KW - 1, KH - 1, KH - 1))
dx_recipe = to_input(F.conv2d(spread[None, None], torch.flip(w, (0, 1))[None, None])[0, 0])
print(f"max |difference| dx recipe vs autograd: {(dx_recipe - dx_autograd).abs().max().item():.1e}")

# dL/dw: the dilated dy slides over the padded input, one position per weight.
xp = F.pad(x, (PW, PW, PH, PH))[: (y.shape[0] - 1) * SH + KH, : (y.shape[1] - 1) * SW + KW]
dw_recipe = F.conv2d(xp[None, None], dilate(dy, SH, SW)[None, None])[0, 0]
print(f"max |difference| dw recipe vs autograd: {(dw_recipe - dw_autograd).abs().max().item():.1e}")

# torch's own transposed convolution is the same operation as the recipe for dx.
dx_transposed = F.conv_transpose2d(dy[None, None], w[None, None], stride=(SH, SW), padding=(PH, PW),
                                   output_padding=((H + 2 * PH - KH) % SH, (W + 2 * PW - KW) % SW))[0, 0]
print(f"max |difference| F.conv_transpose2d vs autograd: {(dx_transposed - dx_autograd).abs().max().item():.1e}")

# The tempting shortcut: the stride-1 rule without the dilation. It is too small and wrong for s > 1.
naive = F.conv2d(F.pad(dy, (KW - 1, KW - 1, KH - 1, KH - 1))[None, None], torch.flip(w, (0, 1))[None, None])[0, 0]
print(f"undilated recipe: {naive.shape[0]} x {naive.shape[1]} entries for a {H} x {W} input")
print(f"undilated recipe off by up to: {(to_input(naive) - dx_autograd).abs().max().item():.3g}")
print(f"dx (autograd): {dx_autograd.tolist()}")
print(f"dw (autograd): {dw_autograd.tolist()}")
'''
)


def backprop_code(n: int, k: int, s: int, p: int, dy: str, seed: int, one_d: bool) -> str:
    """The Backprop with stride lesson as a script: the page's example, autograd, the recipe and the shortcut.

    Source: the Stack Exchange thread on back-propagation with stride > 1 (dilate, pad, rotate,
    correlate); Odena, Dumoulin and Olah (2016) for the transposed convolution. The example is
    regenerated exactly as stride_core.backprop.make_example: x ∈ −2..2 then w ∈ −1..2 from a
    generator seeded with seed, and the upstream integers (or target) from a second generator
    seeded with seed + 1. 1-D mode is one row: input (1, n), kernel (1, k), stride (1, s),
    padding (0, p).

    Args:
        n: input size; k: kernel size; s: stride; p: padding; dy: one of UPSTREAM; seed: >= 0;
            one_d: the page's 1-D mode.

    Returns:
        The script's text; it prints ``output size``, the ``max |difference|`` of each recipe
        against autograd, the undilated recipe's size and error, and dx and dw as lists.

    Raises:
        ValueCheckError: on a bad setting or a kernel that does not fit in the padded input.

    Example:
        >>> _ = compile(backprop_code(8, 3, 2, 0, "random integers", 0, False), "backprop.py", "exec")
    """
    check_int(n, "input size n", 1)
    check_int(k, "kernel size k", 1)
    check_int(s, "stride s", 1)
    check_int(p, "padding p", 0)
    check_int(seed, "seed", 0)
    check_choice(dy, "upstream gradient", UPSTREAM)
    (h, w), (kh, kw), (sh, sw), (ph, pw) = (
        ((1, n), (1, k), (1, s), (0, p)) if one_d else ((n, n), (k, k), (s, s), (p, p))
    )
    check(
        h + 2 * ph >= kh and w + 2 * pw >= kw,
        f"the {kh}×{kw} kernel does not fit in the padded {h + 2 * ph}×{w + 2 * pw} input",
    )
    if dy == "all ones":
        upstream = "dy = torch.ones_like(y)  # L = sum(y)"
        loss = "loss = yg.sum()"
    else:
        draw = "r = torch.randint(-2, 3, tuple(y.shape), generator=torch.Generator().manual_seed(SEED + 1)).double()"
        if dy == "random integers":
            upstream = draw + "\ndy = r"
            loss = "loss = (dy * yg).sum()  # a loss whose gradient with respect to y is dy"
        else:
            upstream = draw + "  # the target t\ndy = y - r  # L = ½‖y - t‖², so dL/dy = y - t"
            loss = "loss = 0.5 * ((yg - r) ** 2).sum()"
    summary = (
        f"{'1-D' if one_d else '2-D'}: input {h}×{w}, kernel {kh}×{kw}, stride {s}, padding {p}, upstream gradient "
        f"'{dy}', seed {seed}.\nThe input and weight gradients by torch.autograd, by the dilate-pad-rotate-correlate "
        "recipe and by F.conv_transpose2d,\nand the error of the undilated shortcut."
    )
    return _script(
        _BACKPROP,
        title="Backprop with stride",
        summary=summary,
        h=h,
        w=w,
        kh=kh,
        kw=kw,
        sh=sh,
        sw=sw,
        ph=ph,
        pw=pw,
        seed=seed,
        kind=dy,
        upstream=upstream,
        loss=loss,
        one_d_note="  (1-D mode: one row)" if one_d else "",
    )


# ---------------------------------------------------------------------------------------------
# 07 DiffStride.

_DIFFSTRIDE = (
    _HEADER
    + '''
import math

import torch

H, W = $h, $w  # image size
SH, SW = $sh, $sw  # the strides (real numbers >= 1)
R = $r  # the ramp width
LOSS = "$loss"  # "reconstruction" (what the crop throws away) or "penalty" (Equation 6, one layer)

$photo_note

$zone_plate


x = zone_plate(H, W)  # (H, W) float32


def masks(h, w, s, r):
    """The 1-D masks of Equations 3-4, laid out as google-research/diffstride builds them.

    Rows: positions mirrored around zero frequency, in FFT order; threshold max(h/S_h, 2)/2.
    Columns: the w//2 + 1 bins of rfft; threshold max(w/S_w, 2)/2 + 1.
    mask = clamp((R + T - pos)/R, 0, 1); R = 0 is the hard box pos < T.
    """
    half = torch.arange(h // 2 + h % 2, dtype=s.dtype)
    pos_h = torch.fft.fftshift(torch.cat([half[h % 2 :].flip(0), half]))
    pos_w = torch.arange(w // 2 + 1, dtype=s.dtype)
    t_h = (h / s[0]).clamp(min=2.0) / 2.0
    t_w = (w / s[1]).clamp(min=2.0) / 2.0 + 1.0

    def ramp(t, pos):
        if r == 0:
            return (pos < t).to(pos.dtype) + 0.0 * t
        v = (r + t - pos) / r
        return torch.where(v > 0, v.clamp(max=1.0), torch.zeros_like(v))

    return ramp(t_h, pos_h), ramp(t_w, pos_w)


def diff_stride(x, s, r):
    """Algorithm 1: rfft2, crop where the mask is 0 (indices without gradient), multiply by the mask, irfft2."""
    mask_h, mask_w = masks(x.shape[-2], x.shape[-1], s, r)
    rows = torch.nonzero(mask_h.detach() > 0).flatten()
    n_cols = int((mask_w.detach() > 0).sum())
    spectrum = torch.fft.rfft2(x)[..., :n_cols].index_select(-2, rows)
    return torch.fft.irfft2(spectrum * (mask_h[rows][:, None] * mask_w[:n_cols]))


def spectral_pool(x, s):
    """Fixed spectral pooling, the reference's crop: H' = max(floor(H/S_h) made even, 2), W' = max(floor(W/S_w), 2)."""
    h, w = x.shape[-2:]
    out_h = int(h // s[0])
    out_h = max(out_h - out_h % 2, 2)
    out_w = max(int(w // s[1]), 2)
    rows = torch.cat([torch.arange(out_h // 2), torch.arange(h - out_h // 2, h)])
    return torch.fft.irfft2(torch.fft.rfft2(x)[..., : out_w // 2 + 1].index_select(-2, rows), s=(out_h, out_w))


strides = torch.tensor([SH, SW])  # float32, as on the page
mask_h, mask_w = masks(H, W, strides, R)
out_size = (int((mask_h > 0).sum()), 2 * (int((mask_w > 0).sum()) - 1))
y = diff_stride(x, strides, R)
print(f"input: {H} x {W}")
print(f"DiffStride output: {out_size[0]} x {out_size[1]}")
print(f"shape of the output tensor: {y.shape[-2]} x {y.shape[-1]}")
print(f"paper's floor(H/S + 2R): {math.floor(H / SH + 2 * R)} x {math.floor(W / SW + 2 * R)}")

# With R = 0 and integer strides DiffStride is spectral pooling (on a size divisible by 2S).
si = (max(1, round(SH)), max(1, round(SW)))
x64 = x.double()
even = x64[: H - H % (2 * si[0]), : W - W % (2 * si[1])]
s_int = torch.tensor([float(si[0]), float(si[1])], dtype=torch.float64)
agree = (diff_stride(even, s_int, 0.0) - spectral_pool(even, si)).abs().max().item()
print(f"max |difference| DiffStride R = 0 vs spectral pooling at S = {si}: {agree:.1e}")


def loss_of(s):
    if LOSS == "penalty":
        return 1.0 / (s[0] * s[1])
    mh, mw = masks(H, W, s, R)
    low = torch.fft.irfft2(torch.fft.rfft2(x64) * mw * mh[:, None], s=(H, W))  # the low-passed image
    return (low - x64).pow(2).mean()


# The gradient to the strides, by autograd (the strides reach the loss only through the ramp).
s = torch.tensor([SH, SW], dtype=torch.float64, requires_grad=True)
L = loss_of(s)
(grad,) = torch.autograd.grad(L, s)
print(f"L: {L.item():.4g}")
print(f"dL/dS_h: {grad[0].item():.3g}")
print(f"dL/dS_w: {grad[1].item():.3g}")

# An independent check: one-sided finite differences towards S + h, second order.
eps = 1e-5
with torch.no_grad():
    base = loss_of(s)
    fd = []
    for i in range(2):
        step = torch.zeros(2, dtype=torch.float64)
        step[i] = eps
        fd.append(float((-3 * base + 4 * loss_of(s + step) - loss_of(s + 2 * step)) / (2 * eps)))
print(f"finite differences: {fd[0]:.3g}, {fd[1]:.3g}")
print(f"max |difference| autograd vs finite differences: {max(abs(grad[i].item() - fd[i]) for i in range(2)):.1e}")
'''
)


def diffstride_code(
    sh: float, sw: float, r: int, loss: str, *, h: int, w: int, image_label: str = "the camera photo"
) -> str:
    """The DiffStride lesson as a script: the output size, the R = 0 check and the gradient to the strides.

    Source: Riad, Teboul, Grangier and Zeghidour, "Learning Strides in Convolutional Neural
    Networks" (ICLR 2022), Equations 3–6 and Algorithm 1, with the numbers of the reference code
    google-research/diffstride (mirrored vertical positions, even output width).

    Args:
        sh, sw: strides, each >= 1; r: ramp width, >= 0; loss: "reconstruction" or "penalty";
            h, w: the picture's size (each >= 2); image_label: what the page showed.

    Returns:
        The script's text; it prints ``DiffStride output``, ``paper's floor(H/S + 2R)``, the R = 0
        check, ``L``, ``dL/dS_h``, ``dL/dS_w`` and the finite-difference check.

    Example:
        >>> _ = compile(diffstride_code(2.0, 2.0, 4, "reconstruction", h=128, w=128), "diffstride.py", "exec")
    """
    for name, v in (("S_h", sh), ("S_w", sw)):
        check(
            isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) and v >= 1,
            f"{name} must be >= 1, got {v!r}",
        )
    check_int(r, "ramp width R", 0)
    check_choice(loss, "loss", ("reconstruction", "penalty"))
    check_int(h, "height", 2)
    check_int(w, "width", 2)
    summary = (
        f"A {h}×{w} picture at strides S = ({float(sh):g}, {float(sw):g}) with ramp width R = {r}\n"
        "(Riad et al., ICLR 2022, as in google-research/diffstride): output size, spectral pooling at R = 0,\n"
        f"and dL/dS for the {loss} loss."
    )
    return _script(
        _DIFFSTRIDE,
        title="DiffStride",
        summary=summary,
        h=h,
        w=w,
        sh=_num(float(sh)),
        sw=_num(float(sw)),
        r=r,
        loss=loss,
        photo_note=_photo_note(image_label, h, w),
        zone_plate=_ZONE_PLATE.strip("\n"),
    )


# ---------------------------------------------------------------------------------------------
# 10 Transposed convolution (one script per section of the page).

_TRANSPOSED_SIZE = (
    _HEADER
    + '''
import torch
import torch.nn.functional as F

# The page's settings per axis: input n, kernel k, stride s, padding p, output_padding op, dilation d.
ROWS = dict(n=$hn, k=$hk, s=$hs, p=$hp, op=$hop, d=$hd)
COLS = dict(n=$wn, k=$wk, s=$ws, p=$wp, op=$wop, d=$wd)


def t_len(n, k, s, p, op, d):
    """Transposed convolution: (n - 1)s - 2p + d(k - 1) + output_padding + 1 (Dumoulin and Visin, plus PyTorch's op)."""
    return (n - 1) * s - 2 * p + d * (k - 1) + op + 1


def conv_len(n, k, s, p, d):
    """Ordinary convolution: floor((n + 2p - d(k - 1) - 1)/s) + 1."""
    return (n + 2 * p - d * (k - 1) - 1) // s + 1


def both(key):
    return ROWS[key], COLS[key]


g = torch.Generator().manual_seed(0)
x = torch.randn(1, 1, ROWS["n"], COLS["n"], generator=g, dtype=torch.float64)
w = torch.randn(1, 1, ROWS["k"], COLS["k"], generator=g, dtype=torch.float64)
settings = dict(stride=both("s"), padding=both("p"), output_padding=both("op"), dilation=both("d"))
problems = [f"{name}: output_padding {a['op']} is not smaller than the stride or the dilation"
            for name, a in (("rows", ROWS), ("columns", COLS)) if a["op"] >= max(a["s"], a["d"])]
problems += [f"{name}: the output would be empty" for name, a in (("rows", ROWS), ("columns", COLS)) if t_len(**a) < 1]
if problems:
    print("no valid output: " + "; ".join(problems))
    try:
        F.conv_transpose2d(x, w, **settings)
    except RuntimeError as exc:
        print("F.conv_transpose2d refuses it too: " + str(exc).splitlines()[0])
    raise SystemExit(0)

HO, WO = t_len(**ROWS), t_len(**COLS)
y = F.conv_transpose2d(x, w, **settings)
print(f"output size: {HO} x {WO}")
print(f"input size: {ROWS['n']} x {COLS['n']}")
print(f"enlarged by: {HO / ROWS['n']:.2f} x {WO / COLS['n']:.2f}")
print(f"F.conv_transpose2d output size: {y.shape[-2]} x {y.shape[-1]}")
print(f"max |difference| vs F.conv_transpose2d: {max(abs(HO - y.shape[-2]), abs(WO - y.shape[-1])):.1e}")

# The transposed convolution is the gradient of the convolution with the same settings, when that
# convolution maps an HO x WO input back to the input size.
z = torch.zeros(1, 1, HO, WO, dtype=torch.float64, requires_grad=True)
forward = F.conv2d(z, w, stride=both("s"), padding=both("p"), dilation=both("d"))
if forward.shape == x.shape:
    (grad,) = torch.autograd.grad(forward, z, x)
    print(f"max |difference| F.conv_transpose2d vs autograd of F.conv2d: {(grad - y).abs().max().item():.1e}")

# Many input sizes N give the same n under a stride-s convolution; output_padding says which N to give back.
axes = [("rows", ROWS), ("columns", COLS)] if ROWS != COLS else [("both", ROWS)]
print("axis      N  F.conv2d gives  output_padding  F.conv_transpose2d gives")
for name, a in axes:
    n, k, s, p, d = a["n"], a["k"], a["s"], a["p"], a["d"]
    first = (n - 1) * s + d * (k - 1) + 1 - 2 * p
    for r in range(s):
        N = first + r
        if N < 1 or conv_len(N, k, s, p, d) != n:
            continue
        one_row = dict(stride=(1, s), padding=(0, p), dilation=(1, d))
        fwd = F.conv2d(torch.zeros(1, 1, 1, N), torch.zeros(1, 1, 1, k), **one_row).shape[-1]
        back = F.conv_transpose2d(torch.zeros(1, 1, 1, n), torch.zeros(1, 1, 1, k), output_padding=(0, r), **one_row)
        mark = "  <- yours" if r == a["op"] else ""
        print(f"{name:<8}{N:>3}  {fwd:>14}  {r:>14}  {back.shape[-1]:>24}{mark}")
'''
)


def _axis(v: Sequence[int], name: str) -> tuple[int, ...]:
    check(len(v) == 6, f"{name} must be (n, k, s, p, output_padding, d), got {v!r}")
    lows = (1, 1, 1, 0, 0, 1)
    return tuple(check_int(u, f"{name}[{i}]", lo) for i, (u, lo) in enumerate(zip(v, lows, strict=True)))


def transposed_size_code(rows: Sequence[int], cols: Sequence[int]) -> str:
    """The size calculator of Transposed convolution as a script: the formula, F.conv_transpose2d, output_padding.

    Sources: Dumoulin and Visin, "A guide to convolution arithmetic for deep learning" (the size
    relation), PyTorch's output_padding. Settings that F.conv_transpose2d refuses print why.

    Args:
        rows, cols: (n, k, s, p, output_padding, d) for each axis — the page's ``h`` and ``w``.

    Returns:
        The script's text; it prints ``output size``, ``input size``, ``enlarged by``, the check
        against F.conv_transpose2d (and against autograd of F.conv2d when that applies) and a table
        of the input sizes N a stride-s convolution maps to n, with the output_padding for each.

    Example:
        >>> _ = compile(transposed_size_code((5, 3, 2, 1, 0, 1), (5, 3, 2, 1, 0, 1)), "t.py", "exec")
    """
    (hn, hk, hs, hp, hop, hd), (wn, wk, ws, wp, wop, wd) = _axis(rows, "rows"), _axis(cols, "cols")
    summary = (
        f"Rows: n = {hn}, k = {hk}, s = {hs}, p = {hp}, output_padding = {hop}, d = {hd};\n"
        f"columns: n = {wn}, k = {wk}, s = {ws}, p = {wp}, output_padding = {wop}, d = {wd}.\n"
        "The output size of a transposed convolution by the formula and by F.conv_transpose2d, and the\n"
        "input sizes whose convolution it can give back."
    )
    return _script(
        _TRANSPOSED_SIZE,
        title="Transposed convolution: output size",
        summary=summary,
        **dict(hn=hn, hk=hk, hs=hs, hp=hp, hop=hop, hd=hd, wn=wn, wk=wk, ws=ws, wp=wp, wop=wop, wd=wd),
    )


_STAMPS = (
    _HEADER
    + _SIZES_2D
    + """PH, PW = $ph, $pw  # padding (cut off the output)
OH, OW = $oh, $ow  # output_padding (added at the bottom and right)
SEED = $seed

# The page's example: integers 1..3 for x, then -1..2 for w, from one seeded generator.
g = torch.Generator().manual_seed(SEED)
x = torch.randint(1, 4, (H, W), generator=g).double()
w = torch.randint(-1, 3, (KH, KW), generator=g).double()

HO, WO = (H - 1) * SH - 2 * PH + KH + OH, (W - 1) * SW - 2 * PW + KW + OW
if OH >= SH or OW >= SW or HO < 1 or WO < 1:
    print("no valid output: output_padding must stay below the stride, and the padding must leave an output")
    raise SystemExit(0)
reference = F.conv_transpose2d(x[None, None], w[None, None], stride=(SH, SW), padding=(PH, PW),
                               output_padding=(OH, OW))[0, 0]
print(f"output size: {HO} x {WO}")

# Stamps: input pixel (i, j) adds x[i, j]·w onto a canvas at (SH·i, SW·j); the output is the canvas
# without PH rows at the top and PW columns at the left (output_padding lets it reach further).
canvas = torch.zeros(max((H - 1) * SH + KH, PH + HO), max((W - 1) * SW + KW, PW + WO), dtype=torch.float64)
counts = torch.zeros(canvas.shape, dtype=torch.long)
for i in range(H):
    for j in range(W):
        canvas[SH * i : SH * i + KH, SW * j : SW * j + KW] += x[i, j] * w
        counts[SH * i : SH * i + KH, SW * j : SW * j + KW] += 1
stamped = canvas[PH : PH + HO, PW : PW + WO]
overlap = counts[PH : PH + HO, PW : PW + WO]
print(f"canvas: {canvas.shape[0]} x {canvas.shape[1]}")
print(f"max |difference| stamps vs F.conv_transpose2d: {(stamped - reference).abs().max().item():.1e}")

ones = F.conv_transpose2d(torch.ones(1, 1, H, W, dtype=torch.float64), torch.ones(1, 1, KH, KW, dtype=torch.float64),
                          stride=(SH, SW), padding=(PH, PW), output_padding=(OH, OW))[0, 0]
print(f"max |difference| overlap counts vs F.conv_transpose2d of ones: {(overlap - ones).abs().max().item():.1e}")
r0, r1 = max(0, KH - 1 - PH), min(HO, (H - 1) * SH - PH + 1)
c0, c1 = max(0, KW - 1 - PW), min(WO, (W - 1) * SW - PW + 1)
inner = overlap[r0:max(r0, r1), c0:max(c0, c1)]
print(f"largest overlap count: {int(overlap.max())}")
print(f"interior counts: {', '.join(map(str, torch.unique(inner).tolist())) if inner.numel() else 'none'}")

# The same as a direct convolution: insert s - 1 zeros, pad by k - 1 - p (+ output_padding at the end;
# a negative pad crops), and cross-correlate with the kernel turned by 180°.
inserted = torch.zeros((H - 1) * SH + 1, (W - 1) * SW + 1, dtype=torch.float64)
inserted[::SH, ::SW] = x
eh, ew = KH - 1 - PH, KW - 1 - PW
padded = F.pad(inserted, (ew, ew + OW, eh, eh + OH))
direct = F.conv2d(padded[None, None], torch.flip(w, (0, 1))[None, None])[0, 0]
print(f"max |difference| direct convolution vs F.conv_transpose2d: {(direct - reference).abs().max().item():.1e}")

# ...which is the gradient of a strided convolution with x as the upstream gradient (the Backprop lesson).
z = torch.zeros(HO, WO, dtype=torch.float64, requires_grad=True)
y = F.conv2d(z[None, None], w[None, None], stride=(SH, SW), padding=(PH, PW))[0, 0]
(grad,) = torch.autograd.grad(y, z, x)
print(f"max |difference| direct convolution vs autograd of F.conv2d: {(direct - grad).abs().max().item():.1e}")
print(f"output: {reference.tolist()}")
"""
)


def transposed_stamps_code(n: int, k: int, s: int, p: int, op: int, seed: int, one_d: bool) -> str:
    """The stamp view of Transposed convolution as a script: stamps, overlap counts, the direct convolution, autograd.

    Sources: Dumoulin and Visin (a transposed convolution as a direct convolution of the
    zero-inserted input), Odena, Dumoulin and Olah (uneven overlap), the Stack Exchange thread
    (the same recipe as the gradient). The example is regenerated as stride_core.transposed's
    example_input: x ∈ 1..3 then w ∈ −1..2 from a generator seeded with seed. 1-D mode is one row.

    Args:
        n, k, s, p, op: input size, kernel size, stride, padding, output_padding; seed: >= 0;
            one_d: the page's 1-D mode.

    Returns:
        The script's text; it prints ``output size``, the four ``max |difference|`` checks, the
        overlap counts and the output.

    Example:
        >>> _ = compile(transposed_stamps_code(3, 3, 2, 0, 0, 0, False), "stamps.py", "exec")
    """
    for name, v, lo in (
        ("n", n, 1),
        ("k", k, 1),
        ("s", s, 1),
        ("p", p, 0),
        ("output_padding", op, 0),
        ("seed", seed, 0),
    ):
        check_int(v, name, lo)
    (h, w), (kh, kw), (sh, sw), (ph, pw), (oh, ow) = (
        ((1, n), (1, k), (1, s), (0, p), (0, op)) if one_d else ((n, n), (k, k), (s, s), (p, p), (op, op))
    )
    summary = (
        f"{'1-D' if one_d else '2-D'}: input {h}×{w}, kernel {kh}×{kw}, stride {s}, padding {p}, output_padding {op}, "
        f"seed {seed}.\nA transposed convolution as stamps, as a direct convolution of the zero-inserted input, and as "
        "the gradient\nof a strided convolution, each against F.conv_transpose2d."
    )
    return _script(
        _STAMPS,
        title="Transposed convolution: stamps",
        summary=summary,
        **dict(h=h, w=w, kh=kh, kw=kw, sh=sh, sw=sw, ph=ph, pw=pw, oh=oh, ow=ow, seed=seed),
        one_d_note="  (1-D mode: one row)" if one_d else "",
    )


_OVERLAP = (
    _HEADER
    + """
import torch
import torch.nn.functional as F

N = $n  # input size (N×N)
KERNELS = ($ka, $kb)  # the two kernel sizes compared
S = $s  # stride

for k in KERNELS:
    # How many stamps land on each output position: F.conv_transpose2d of ones with a kernel of ones ...
    ones_x, ones_w = torch.ones(1, 1, N, N, dtype=torch.float64), torch.ones(1, 1, k, k, dtype=torch.float64)
    counts = F.conv_transpose2d(ones_x, ones_w, stride=S)[0, 0]
    # ... and by listing every (input position i, tap a) pair: it lands on S·i + a.
    pos = (torch.arange(N)[:, None] * S + torch.arange(k)[None, :]).reshape(-1)
    row = torch.bincount(pos, minlength=(N - 1) * S + k)
    listed = row[:, None] * row[None, :]  # rows and columns count independently, so the 2-D count is a product
    r0, r1 = k - 1, (N - 1) * S + 1  # the interior: every tap that could reach the position has an input
    inner = listed[r0:max(r0, r1), r0:max(r0, r1)]
    values = torch.unique(inner).tolist()
    word = "even" if len(values) == 1 else "uneven (a checkerboard)"
    print(f"k = {k}: 1-D counts {row.tolist()}")
    print(f"k = {k}: interior counts {', '.join(map(str, values)) or 'none'}, {word}; S divides k: {k % S == 0}")
    print(f"k = {k}: max |difference| listed vs F.conv_transpose2d: {(listed - counts).abs().max().item():.1e}")
"""
)


def overlap_code(n: int, ka: int, kb: int, s: int) -> str:
    """The checkerboard section of Transposed convolution as a script: overlap counts for two kernel sizes.

    Source: Odena, Dumoulin and Olah, "Deconvolution and Checkerboard Artifacts" (uneven overlap
    when the stride does not divide the kernel size).

    Args:
        n: input size; ka, kb: the two kernel sizes; s: stride.

    Returns:
        The script's text; per kernel it prints the 1-D counts, the interior counts and the
        check against F.conv_transpose2d.

    Example:
        >>> _ = compile(overlap_code(8, 3, 4, 2), "overlap.py", "exec")
    """
    for name, v in (("n", n), ("first kernel k", ka), ("second kernel k", kb), ("stride s", s)):
        check_int(v, name, 1)
    summary = (
        f"A {n}×{n} input of ones, kernels of ones of sizes {ka} and {kb}, stride {s}: how many stamps land on each\n"
        "output pixel, where the overlap is even and where it makes a checkerboard (Odena, Dumoulin and Olah)."
    )
    return _script(_OVERLAP, title="Transposed convolution: checkerboards", summary=summary, n=n, ka=ka, kb=kb, s=s)


# ---------------------------------------------------------------------------------------------
# 08 Conventions and pitfalls (one script per section of the page).

_ARTICLE = (
    _HEADER
    + '''
import torch
import torch.nn.functional as F

# The article's 4×4 input (the numbers 1 to 16) and its kernel with [1, 0, -1] rows.
x = torch.arange(1, 17, dtype=torch.float64).reshape(4, 4)
w = torch.tensor([[1, 0, -1]] * 3, dtype=torch.float64)


def slide(image, kernel, s):
    """Slide the kernel as it is (no flip) with stride s and no padding: what a CNN layer computes."""
    k = kernel.shape[0]
    n_out = (image.shape[0] - k) // s + 1
    out = torch.zeros(n_out, n_out, dtype=torch.float64)
    for i in range(n_out):
        for j in range(n_out):
            out[i, j] = (image[i * s : i * s + k, j * s : j * s + k] * kernel).sum()
    return out


def never_read(n, k, s, p=0):
    """Pixels no window reads: back-propagate ones through a kernel of ones and count the zeros."""
    z = torch.zeros(1, 1, n, n, dtype=torch.float64, requires_grad=True)
    F.conv2d(z, torch.ones(1, 1, k, k, dtype=torch.float64), stride=s, padding=p).sum().backward()
    return z.grad[0, 0] == 0


# Example 1, stride 1: the loop and F.conv2d agree exactly.
ex1 = slide(x, w, 1)
print(f"example 1 output: {ex1.tolist()}")
t1 = F.conv2d(x[None, None], w[None, None])[0, 0]
print(f"max |difference| example 1 vs F.conv2d: {(ex1 - t1).abs().max().item():.1e}")

# Example 2, stride 4 on 4×4: a single window fits, so nothing can be skipped *between* windows.
ex2 = slide(x, w, 4)
t2 = F.conv2d(x[None, None], w[None, None], stride=4)[0, 0]
print(f"example 2 output: {ex2.tolist()} ({ex2.shape[0]} x {ex2.shape[1]})")
print(f"max |difference| example 2 vs F.conv2d(stride=4): {(ex2 - t2).abs().max().item():.1e}")
print(f"example 2 pixels never read: {int(never_read(4, 3, 4).sum())}")

# Example 3, stride 2 and padding 1: a signal-processing convolution turns the kernel by 180°
# (what scipy.signal.convolve2d does, and it has no stride: subsample afterwards).
padded = F.pad(x, (1, 1, 1, 1))
convolution = F.conv2d(padded[None, None], torch.flip(w, (0, 1))[None, None])[0, 0][::2, ::2]
correlation = F.conv2d(x[None, None], w[None, None], stride=2, padding=1)[0, 0]
print(f"convolution, then [::2, ::2]: {convolution.tolist()}")
print(f"F.conv2d(stride=2, padding=1): {correlation.tolist()}")
flipped = (convolution + correlation).abs().max().item()
print(f"max |difference| convolution vs F.conv2d with the sign flipped: {flipped:.1e}")

# Example 2's kernel and stride on a larger N×N input.
N = $n2
n_out = (N - 3) // 4 + 1
unread = never_read(N, 3, 4)
last = (n_out - 1) * 4 + 2  # the last row (and column) any window reads
trailing = N - 1 - last
print(f"larger input: {N} x {N}")
print(f"windows: {n_out * n_out}")
print(f"skipped between windows: {int(unread[: N - trailing, : N - trailing].sum())}")
print(f"left over after the last window: {trailing} row(s), {trailing} column(s)")
'''
)


def conventions_article_code(n2: int) -> str:
    """Section 1 of Conventions and pitfalls as a script: the article's three examples in PyTorch, and a larger input.

    Source: the article "What effect does a stride larger than the kernel have on a convolution?"
    (2025): its three examples slide the [1, 0, −1] kernel over the 4×4 matrix 1..16 at strides 1,
    4, and 2 with padding 1. The script writes them in PyTorch (the article's code is not copied),
    with the convolution of Example 3 as F.conv2d of the 180°-turned kernel.

    Args:
        n2: the size of the larger input Example 2's kernel and stride run on, >= 3.

    Returns:
        The script's text; it prints each example's output and check, the pixels Example 2 never
        reads, and the windows, skipped pixels and left-over rows of the larger input.

    Example:
        >>> _ = compile(conventions_article_code(11), "article.py", "exec")
    """
    check_int(n2, "input size", 3)
    summary = (
        "The article's three examples in PyTorch: the [1, 0, -1] kernel on the 4×4 matrix 1..16 at stride 1, at\n"
        f"stride 4, and at stride 2 with padding 1 (correlation against convolution), then stride 4 on {n2}×{n2}."
    )
    return _script(_ARTICLE, title="Conventions and pitfalls: the article's examples", summary=summary, n2=n2)


CONVENTION_KERNELS = {
    "article": "[[1, 0, -1], [1, 0, -1], [1, 0, -1]]",
    "sobel": "[[1, 2, 1], [0, 0, 0], [-1, -2, -1]]",
    "box": "[[1, 1, 1], [1, 1, 1], [1, 1, 1]]",
    "laplacian": "[[0, 1, 0], [1, -4, 1], [0, 1, 0]]",
    "shift": "[[0, 0, 0], [0, 0, 1], [0, 0, 0]]",
    "random": None,
}

_FLIP = (
    _HEADER
    + """
import torch
import torch.nn.functional as F

S = $s  # stride

# The page's 10×10 test input: an "L" of ones and a dot, with no mirror symmetry.
n = 10
x = torch.zeros(n, n, dtype=torch.float64)
x[1 : n - 1, 1] = 1
x[n - 2, 1 : max(3, n // 2)] = 1
x[1, n - 2] = 1

# The kernel ($kernel_name).
$kernel_code

# x ⋆ w, cross-correlation: the kernel slides as it is (F.conv2d, every CNN layer).
corr = F.conv2d(x[None, None], w[None, None], stride=S)[0, 0]
# x ∗ w, convolution (signal processing, scipy.signal.convolve2d): the kernel turned by 180° first.
conv = F.conv2d(x[None, None], torch.flip(w, (0, 1))[None, None], stride=S)[0, 0]

# The convolution by its definition, y[i, j] = Σ w[a, b]·x[i + 2 - a, j + 2 - b], one shifted copy per tap.
full = torch.zeros(n - 2, n - 2, dtype=torch.float64)
for a in range(3):
    for b in range(3):
        full += w[a, b] * x[2 - a : n - a, 2 - b : n - b]
print(f"max |difference| flipped-kernel F.conv2d vs the definition: {(conv - full[::S, ::S]).abs().max().item():.1e}")

differ = int((~torch.isclose(corr, conv, rtol=0, atol=1e-9)).sum())
negated = torch.allclose(conv, -corr, rtol=0, atol=1e-9)
if differ == 0:
    relation = "identical"
elif negated:
    relation = "the same numbers with every sign flipped"
else:
    relation = "different in another way"
print(f"output size: {corr.shape[0]} x {corr.shape[1]}")
print(f"cells that differ: {differ} of {corr.numel()}")
print(f"relation: {relation}")
print("x ⋆ w (F.conv2d):")
print(corr)
print("x ∗ w (convolution):")
print(conv)
"""
)


def flip_code(kernel: str, s: int) -> str:
    """Section 2 of Conventions and pitfalls as a script: cross-correlation against convolution for one kernel.

    The input is the page's letter pattern (stride_core.conventions.letter_pattern(10)) and the
    kernel stride_core.conventions.example_kernel(kernel) (the random one seeded with 0, rounded to
    hundredths), both rebuilt here.

    Args:
        kernel: one of CONVENTION_KERNELS; s: stride, >= 1.

    Returns:
        The script's text; it prints the check against the definition, ``output size``, ``cells
        that differ``, ``relation`` and both outputs.

    Example:
        >>> _ = compile(flip_code("shift", 2), "flip.py", "exec")
    """
    check_choice(kernel, "kernel", tuple(CONVENTION_KERNELS))
    check_int(s, "stride s", 1)
    if kernel == "random":
        kcode = (
            "g = torch.Generator().manual_seed(0)  # like an untrained layer's weights, rounded to hundredths\n"
            "w = torch.randn(3, 3, generator=g, dtype=torch.float64).mul(100).round() / 100"
        )
    else:
        kcode = f"w = torch.tensor({CONVENTION_KERNELS[kernel]}, dtype=torch.float64)"
    summary = (
        f"The {kernel} kernel on a 10×10 test pattern at stride {s}: cross-correlation (F.conv2d, CNNs) against\n"
        "convolution (the kernel turned by 180°, as scipy.signal.convolve2d)."
    )
    return _script(
        _FLIP,
        title="Conventions and pitfalls: correlation or convolution",
        summary=summary,
        s=s,
        kernel_name=kernel,
        kernel_code=kcode,
    )


_SAME = (
    _HEADER
    + """
import torch
import torch.nn.functional as F

N, K, S, D = $n, $k, $s, $d  # input size, kernel size, stride, dilation

# The page's input: random integers 0..9 seeded with n; a k×k kernel of ones (each output sums its window).
x = torch.randint(0, 10, (N, N), generator=torch.Generator().manual_seed(N)).double()
w = torch.ones(K, K, dtype=torch.float64)

# TensorFlow's 'SAME': ceil(n/s) outputs; the fewest zeros that let them fit, the odd one after.
out = -(-N // S)
total = max((out - 1) * S + D * (K - 1) + 1 - N, 0)
before, after = total // 2, total - total // 2
tf = F.conv2d(F.pad(x, (before, after, before, after))[None, None], w[None, None], stride=S, dilation=D)[0, 0]
# The padding usually written by hand in PyTorch: the same p = floor(d(k - 1)/2) on every side.
p = D * (K - 1) // 2
pt = F.conv2d(x[None, None], w[None, None], stride=S, padding=p, dilation=D)[0, 0]

print(f"TensorFlow 'SAME' padding: {before} before, {after} after")
print(f"PyTorch padding: {p} on every side")
print(f"TensorFlow output: {tf.shape[0]} x {tf.shape[1]}")
print(f"PyTorch output: {pt.shape[0]} x {pt.shape[1]}")
print(f"max |difference| TensorFlow size vs ceil(n/s): {abs(tf.shape[0] - out):.1e}")
print(f"windows shifted by: {p - before}")
if tf.shape == pt.shape:
    print(f"cells that differ: {int((~torch.isclose(tf, pt)).sum())} of {tf.numel()}")

# PyTorch's own padding="same": only at stride 1, where it pads as TensorFlow does (for an even kernel
# it may warn that it pads a copy of the input: a note about speed, not a problem).
try:
    same = F.conv2d(x[None, None], w[None, None], stride=S, dilation=D, padding="same")[0, 0]
    print(f"max |difference| padding='same' vs TensorFlow 'SAME': {(same - tf).abs().max().item():.1e}")
except RuntimeError as exc:
    print(f"padding='same' raises: RuntimeError: {exc}")
"""
)


def same_padding_code(n: int, k: int, s: int, d: int) -> str:
    """Section 3 of Conventions and pitfalls as a script: TensorFlow's 'SAME' against symmetric PyTorch padding.

    Source: TensorFlow's API documentation (tf.nn, "Notes on padding") for 'SAME'. The input is
    the page's (random integers 0..9 from a generator seeded with n).

    Args:
        n: input size; k: kernel size; s: stride; d: dilation (each >= 1).

    Returns:
        The script's text; it prints both paddings and output sizes, the size check, the shift of
        the windows, the cells that differ, and what padding='same' does.

    Example:
        >>> _ = compile(same_padding_code(8, 3, 2, 1), "same.py", "exec")
    """
    for name, v in (("n", n), ("k", k), ("s", s), ("d", d)):
        check_int(v, name, 1)
    summary = (
        f"A {k}×{k} kernel of ones on an {n}×{n} input at stride {s}, dilation {d}: TensorFlow's 'SAME' padding\n"
        "against the symmetric padding usually written in PyTorch, and PyTorch's own padding='same'."
    )
    return _script(_SAME, title="Conventions and pitfalls: 'SAME' padding", summary=summary, n=n, k=k, s=s, d=d)


_POOL = (
    _HEADER
    + '''
import torch
import torch.nn.functional as F

N, K, S, P = $n, $k, $s, $p  # input length, window, stride, padding (one axis)


def pool_len(ceil_mode):
    """PyTorch's rule: floor (or ceil) of (n + 2p - k)/s, plus 1; with ceil_mode a last window that would
    start in the right padding or past it is dropped."""
    span = N + 2 * P - K
    out = (span + (S - 1 if ceil_mode else 0)) // S + 1
    if ceil_mode and (out - 1) * S >= N + P:
        out -= 1
    return max(out, 0)


def torch_len(ceil_mode):
    try:
        return F.max_pool2d(torch.zeros(1, 1, 1, N), (1, K), (1, S), (0, P), ceil_mode=ceil_mode).shape[-1]
    except RuntimeError:  # no window fits
        return 0


floor_n, ceil_n = pool_len(False), pool_len(True)
rounded_up = max(0, (N + 2 * P - K + S - 1) // S + 1)  # ceil_mode before its exception
starts = [S * i - P for i in range(max(floor_n, rounded_up))]
extra = starts[-1] if rounded_up > floor_n else None
print(f"windows, ceil_mode=False: {floor_n}")
print(f"windows, ceil_mode=True: {ceil_n}")
print(f"window starts: {starts}")
print(f"window ceil_mode would drop: {'none' if extra is None or ceil_n > floor_n else f'starts at {extra}'}")
print(f"F.max_pool2d output lengths: {torch_len(False)}, {torch_len(True)}")
print(f"max |difference| vs F.max_pool2d: {max(abs(floor_n - torch_len(False)), abs(ceil_n - torch_len(True))):.1e}")
'''
)


def pool_code(n: int, k: int, s: int, p: int) -> str:
    """Section 4 of Conventions and pitfalls as a script: pooling output sizes with and without ceil_mode.

    Source: PyTorch's documentation of MaxPool2d (the output size, ceil_mode's exception).

    Args:
        n: input length; k: window; s: stride (each >= 1); p: padding, 0..k // 2 (PyTorch's limit).

    Returns:
        The script's text; it prints the window counts in both modes, the window starts, the
        dropped window and the check against F.max_pool2d.

    Example:
        >>> _ = compile(pool_code(5, 2, 2, 1), "pool.py", "exec")
    """
    for name, v in (("n", n), ("k", k), ("s", s)):
        check_int(v, name, 1)
    check_int(p, "padding p", 0, k // 2)
    summary = f"Pooling windows along one axis: n = {n}, k = {k}, s = {s}, p = {p}, with and without ceil_mode."
    return _script(_POOL, title="Conventions and pitfalls: ceil_mode", summary=summary, n=n, k=k, s=s, p=p)


_DOWN = (
    _HEADER
    + """
import math

import torch
import torch.nn.functional as F

K, S, C = $k, $s, $c  # window, stride, channels

$photo_note

$zone_plate


H, W = $h, $w
x = zone_plate(H, W).double()[None, None]

# Max-pooling against a strided convolution with the same window and stride (Springenberg et al.);
# an averaging kernel stands in for learned weights.
pooled = F.max_pool2d(x, K, S)
convolved = F.conv2d(x, torch.full((1, 1, K, K), 1.0 / (K * K), dtype=torch.float64), stride=S)
ho, wo = (H - K) // S + 1, (W - K) // S + 1
print(f"output size: {ho} x {wo}")
print(f"max-pool output: {pooled.shape[-2]} x {pooled.shape[-1]}")
print(f"convolution output: {convolved.shape[-2]} x {convolved.shape[-1]}")
sizes = (*pooled.shape[-2:], *convolved.shape[-2:])
print(f"max |difference| both sizes vs the formula: {max(abs(a - b) for a, b in zip(sizes, (ho, wo, ho, wo))):.1e}")

# The bill for C channels in and out: pooling compares k² values per output and channel and learns nothing;
# the convolution mixes all C channels into each output channel.
print(f"max-pool comparisons: {ho * wo * C * (K * K - 1):,}")
print(f"convolution multiply-adds: {ho * wo * K * K * C * C:,}")
print(f"convolution weights: {K * K * C * C:,}")
conv = torch.nn.Conv2d(C, C, K, stride=S, bias=False)
print(f"nn.Conv2d weights: {sum(t.numel() for t in conv.parameters()):,}")
"""
)


def pooling_vs_conv_code(
    k: int, s: int, channels: int, *, h: int, w: int, image_label: str = "the camera photo"
) -> str:
    """Section 5 of Conventions and pitfalls as a script: max-pooling against a strided convolution, sizes and cost.

    Source: Springenberg, Dosovitskiy, Brox and Riedmiller, "Striving for Simplicity: The All
    Convolutional Net" (ICLR 2015 workshop).

    Args:
        k: window (>= 1); s: stride (>= 1); channels: C (>= 1); h, w: the picture's size (>= k).
        image_label: what the page showed.

    Returns:
        The script's text; it prints ``output size``, the check against the formula and the
        comparisons, multiply-adds and weights.

    Example:
        >>> _ = compile(pooling_vs_conv_code(3, 2, 64, h=96, w=96), "down.py", "exec")
    """
    check_int(k, "window k", 1)
    check_int(s, "stride s", 1)
    check_int(channels, "channels", 1)
    check_int(h, "height", k)
    check_int(w, "width", k)
    summary = (
        f"A {k}×{k} max-pooling and a {k}×{k} convolution, both at stride {s}, on a {h}×{w} picture, and their cost\n"
        f"for {channels} channels (Springenberg et al., Striving for Simplicity)."
    )
    return _script(
        _DOWN,
        title="Conventions and pitfalls: pooling or strided convolution",
        summary=summary,
        k=k,
        s=s,
        c=channels,
        h=h,
        w=w,
        photo_note=_photo_note(image_label, h, w),
        zone_plate=_ZONE_PLATE.strip("\n"),
    )


# ---------------------------------------------------------------------------------------------
# 09 Receptive field.

_RECEPTIVE = (
    _HEADER
    + """
import math

import torch
import torch.nn.functional as F

SIZE = $size  # the input is SIZE×SIZE
UNIT = $unit  # the output unit (row i, column j)

# The layers on the network's main path (at every sum, the branch with the largest field), in order:
# (name, kind, (kh, kw), (sh, sw), (ph, pw), (dh, dw), ceil_mode). Element-wise layers (ReLU, BatchNorm)
# do not move the field and are left out.
LAYERS = [
$layers
]
# Every convolution, shortcuts included, for the cost: (name, (H_out, W_out), (kh, kw), C_in per group, C_out).
CONVS = [
$convs
]

# The field, layer by layer (Araujo, Norris and Sim): each layer widens it by d(k - 1) input steps of the
# current jump, its padding moves its start, and its stride multiplies the jump.
r, jump, pad, n = [1, 1], [1, 1], [0, 0], [SIZE, SIZE]
for name, kind, k, s, p, d, ceil in LAYERS:
    for a in (0, 1):
        r[a] += d[a] * (k[a] - 1) * jump[a]
        pad[a] += p[a] * jump[a]
        jump[a] *= s[a]
        span, before = d[a] * (k[a] - 1) + 1, n[a]
        n[a] = (n[a] + 2 * p[a] - span + (s[a] - 1 if ceil else 0)) // s[a] + 1
        if ceil and (n[a] - 1) * s[a] >= before + p[a]:  # PyTorch drops a last window that starts in the padding
            n[a] -= 1
print(f"receptive field r: {r[0]} x {r[1]}")
print(f"jump (effective stride): {jump[0]} x {jump[1]}")
print(f"effective padding: {pad[0]} x {pad[1]}")
print(f"output size: {n[0]} x {n[1]}")

# The output size again, by running the layers themselves on a zero image.
y = torch.zeros(1, 1, SIZE, SIZE)
for name, kind, k, s, p, d, ceil in LAYERS:
    if kind == "conv":
        y = F.conv2d(y, torch.zeros(1, 1, *k), stride=s, padding=p, dilation=d)
    elif kind == "max pool":
        y = F.max_pool2d(y, k, s, p, dilation=d, ceil_mode=ceil)
    else:
        y = F.avg_pool2d(y, k, s, p, ceil_mode=ceil)
print(f"max |difference| output size vs the layers run: {max(abs(y.shape[-2] - n[0]), abs(y.shape[-1] - n[1])):.1e}")

macs = sum(h * w * kh * kw * c_in * c_out for _, (h, w), (kh, kw), c_in, c_out in CONVS)
print(f"multiply-adds: {macs / 1e9:.3g} G" if macs >= 1e8 else f"multiply-adds: {macs / 1e6:.3g} M")

# The unit's field: rows i·jump - pad ... i·jump - pad + r - 1 (negative or >= SIZE: zero padding).
top, left = UNIT[0] * jump[0] - pad[0], UNIT[1] * jump[1] - pad[1]
box = (top, left, top + r[0] - 1, left + r[1] - 1)
print(f"unit {UNIT}: rows {box[0]}…{box[2]}, columns {box[1]}…{box[3]}")

# Check with autograd: the same layers made linear (every one a convolution whose weights all equal
# 1/(kh·kw), so no gradient can cancel), on a canvas large enough to hold the whole field. The pixels
# with a non-zero gradient of the unit are exactly its field.
canvas, unit2, start = [], [], []
for a in (0, 1):
    margin = max(jump[a], 16)
    u2 = math.ceil((pad[a] + margin) / jump[a])
    start.append(u2 * jump[a] - pad[a])
    canvas.append(start[a] + r[a] + margin)
    unit2.append(u2)
x = torch.zeros(1, 1, *canvas, dtype=torch.float64, requires_grad=True)
y = x
for name, kind, k, s, p, d, ceil in LAYERS:
    y = F.conv2d(y, torch.full((1, 1, *k), 1.0 / (k[0] * k[1]), dtype=torch.float64), stride=s, padding=p, dilation=d)
(grad,) = torch.autograd.grad(y[0, 0, unit2[0], unit2[1]], x)
rows, cols = torch.nonzero(grad[0, 0] > 0, as_tuple=True)
found = (int(rows.min()) - start[0] + top, int(cols.min()) - start[1] + left,
         int(rows.max()) - start[0] + top, int(cols.max()) - start[1] + left)
print(f"gradient support: rows {found[0]}…{found[2]}, columns {found[1]}…{found[3]}")
print(f"max |difference| field vs gradient support: {max(abs(a - b) for a, b in zip(box, found)):.1e}")
"""
)


def _pair_of(v: object) -> tuple[int, int]:
    if isinstance(v, (tuple, list)):
        check(len(v) == 2, f"expected an (h, w) pair, got {v!r}")
        return int(v[0]), int(v[1])
    return int(v), int(v)


def receptive_field_code(rows: Sequence[object], size: int, unit: Sequence[int], *, title: str = "the network") -> str:
    """The Receptive field lesson as a script: r, jump, effective padding, output size, cost and one unit's field.

    Sources: Araujo, Norris and Sim, "Computing Receptive Fields of Convolutional Neural Networks"
    (Distill 2019) for the layer-by-layer recurrence; the field is checked by autograd on a
    linearised copy of the main path (the support of one unit's input gradient), as
    stride_core.receptive_field.gradient_box does. The script carries the network's geometry as
    data — the main-path layers of ``rows`` and every convolution's size and channels — not its
    weights, so it does not show the effective (gradient-magnitude) field of the random network.

    Args:
        rows: the page's layer table (stride_core.receptive_field.LayerRow objects, or anything with
            the attributes name, kind, kernel, stride, padding, dilation, groups, channels,
            out_size and main), in the order the network runs them.
        size: input size (H = W); unit: the output unit (i, j); title: the network's name.

    Returns:
        The script's text; it prints ``receptive field r``, ``jump (effective stride)``,
        ``effective padding``, ``output size``, ``multiply-adds``, the unit's field and the
        gradient check.

    Example:
        >>> from stride_core.receptive_field import layer_table
        >>> from torch import nn
        >>> rows = layer_table(nn.Sequential(nn.Conv2d(1, 4, 3, stride=2, padding=1), nn.MaxPool2d(2)), 16)
        >>> _ = compile(receptive_field_code(rows, 16, (1, 2), title="a stack"), "rf.py", "exec")
    """
    check_int(size, "input size", 1)
    check(len(unit) == 2, f"unit must be an (i, j) pair, got {unit!r}")
    ui, uj = check_int(unit[0], "unit row i", 0), check_int(unit[1], "unit column j", 0)
    layers, convs, n = [], [], (size, size)
    for row in rows:
        kind = row.kind
        check_choice(kind, "layer kind", ("conv", "max pool", "avg pool"))
        k, s, p, d = (_pair_of(getattr(row, a)) for a in ("kernel", "stride", "padding", "dilation"))
        out = _pair_of(row.out_size)
        name = repr(" ".join(str(row.name).split())[:60])
        if kind == "conv":
            c_in, c_out = row.channels
            groups = int(getattr(row, "groups", 1) or 1)
            if c_in is not None and c_out is not None:
                convs.append(f"    ({name}, {out}, {k}, {int(c_in) // groups}, {int(c_out)}),")
        if not getattr(row, "main", True):
            continue
        floor = tuple((n[a] + 2 * p[a] - d[a] * (k[a] - 1) - 1) // s[a] + 1 for a in (0, 1))
        ceil = kind != "conv" and floor != out
        layers.append(f"    ({name}, {kind!r}, {k}, {s}, {p}, {d}, {ceil}),")
        n = out
    check(len(layers) >= 1, "the network has no convolution or pooling layer on its main path")
    label = " ".join(str(title).split())[:60]
    summary = (
        f"{label} on a {size}×{size} input: the receptive field, effective stride and padding of its output units\n"
        f"(Araujo, Norris and Sim), the multiply-adds, and the field of unit ({ui}, {uj}) checked by autograd."
    )
    return _script(
        _RECEPTIVE,
        title="Receptive field",
        summary=summary,
        size=size,
        unit=(ui, uj),
        layers="\n".join(layers),
        convs="\n".join(convs),
    )


_THEOREM2 = (
    _HEADER
    + '''
import torch
import torch.nn.functional as F
from torch import nn

# The striding LeNet of the paper's Table 1, initialised as on the page (PyTorch's default, seed 0).
torch.manual_seed(0)
net = nn.Sequential(
    nn.Conv2d(1, 20, 5), nn.Conv2d(20, 20, 2, stride=2), nn.Conv2d(20, 50, 5), nn.Conv2d(50, 50, 2, stride=2),
    nn.Flatten(), nn.Linear(800, 500), nn.ReLU(), nn.Linear(500, 10),
)
C_IN, H, W = 1, 28, 28


def fit(t, h, w):
    """Crop or zero-pad the last two dims at the bottom and right to exactly h×w."""
    t = t[..., :h, :w]
    return F.pad(t, (0, w - t.shape[-1], 0, h - t.shape[-2]))


def unshuffle(t, rh, rw):
    """(N, C, rh·P, rw·Q) -> (N, C·rh·rw, P, Q), F.pixel_unshuffle's channel order, rectangular factors allowed."""
    n, c, h, w = t.shape
    t = t.reshape(n, c, h // rh, rh, w // rw, rw).permute(0, 1, 3, 5, 2, 4)
    return t.reshape(n, c * rh * rw, h // rh, w // rw)


# Work backwards from the last convolution (Theorem 2): a layer whose output is needed in r' × r' phases
# needs its input in (r'·s) × (r'·s) phases, and a kernel of ceil((k - s)/(r'·s)) + 1 taps per phase.
convs = [i for i, layer in enumerate(net) if isinstance(layer, nn.Conv2d)]
sizes = [(H, W)]
for i in convs:
    (kh, kw), (sh, sw) = net[i].kernel_size, net[i].stride
    sizes.append(((sizes[-1][0] - kh) // sh + 1, (sizes[-1][1] - kw) // sw + 1))
plan, r_out, p_size = {}, (1, 1), sizes[-1]
for i in reversed(convs):
    (kh, kw), (sh, sw) = net[i].kernel_size, net[i].stride
    r_in = (r_out[0] * sh, r_out[1] * sw)
    k_new = (-(-(kh - sh) // r_in[0]) + 1, -(-(kw - sw) // r_in[1]) + 1)
    plan[i] = ((sh, sw), r_in, r_out, k_new)
    p_size = (p_size[0] + k_new[0] - 1, p_size[1] + k_new[1] - 1)
    r_out = r_in
r0 = r_out  # the input's phase factor


def lift(w, stride, r_in, r_out, k_new):
    """The stride-1 filter bank: output phase (m, n) of w is a phase of w padded by (m·s, n·s) zeros (Lemma 1)."""
    banks = []
    for m in range(r_out[0]):
        for n in range(r_out[1]):
            wo = F.pad(w, (n * stride[1], 0, m * stride[0], 0))
            banks.append(unshuffle(fit(wo, r_in[0] * k_new[0], r_in[1] * k_new[1]), *r_in))
    lifted = torch.stack(banks, 1)  # (C_out, phases out, C_in·phases in, k, k)
    return lifted.reshape(-1, *lifted.shape[2:])


layers = []
with torch.no_grad():
    for i, layer in enumerate(net):
        if i not in plan:
            layers.append(layer)  # element-wise layers and the head are the same modules (shared, unchanged)
            continue
        stride, r_in, r_o, k_new = plan[i]
        lifted = lift(layer.weight, stride, r_in, r_o, k_new)
        new = nn.Conv2d(lifted.shape[1], lifted.shape[0], k_new)
        new.weight.copy_(lifted)
        new.bias.copy_(layer.bias.repeat_interleave(r_o[0] * r_o[1]))
        layers.append(new)
twin = nn.Sequential(*layers)


def to_phases(x):
    """The twin's input: the image split into r0 × r0 phases, stacked as channels."""
    return unshuffle(fit(x, r0[0] * p_size[0], r0[1] * p_size[1]), *r0)


def table(model, shape):
    x = torch.zeros(1, *shape)
    print(f"{'layer':<10}{'kernel':<8}{'stride':<8}{'output':<14}parameters")
    with torch.no_grad():
        for layer in model:
            x = layer(x)
            kernel = "x".join(map(str, layer.kernel_size)) if isinstance(layer, nn.Conv2d) else ""
            stride = str(layer.stride[0]) if isinstance(layer, nn.Conv2d) else ""
            params = sum(t.numel() for t in layer.parameters())
            print(f"{type(layer).__name__:<10}{kernel:<8}{stride:<8}{'x'.join(map(str, x.shape[1:])):<14}{params:,}")


print(f"striding network, input {C_IN}x{H}x{W}:")
table(net, (C_IN, H, W))
print(f"stride-1 twin, input {C_IN * r0[0] * r0[1]}x{p_size[0]}x{p_size[1]} (the image's {r0[0] * r0[1]} phases):")
table(twin, (C_IN * r0[0] * r0[1], *p_size))
print(f"twin input: {C_IN * r0[0] * r0[1]} x {p_size[0]} x {p_size[1]}")

# Both networks on the same 64 images. The page feeds 64 of scikit-learn's handwritten digits; this
# script uses 64 seeded random images (only the size of the rounding differences depends on them).
x = torch.rand(64, C_IN, H, W, generator=torch.Generator().manual_seed(0))
for dtype in (torch.float32, torch.float64):
    with torch.no_grad():
        a, b = net.to(dtype)(x.to(dtype)), twin.to(dtype)(to_phases(x.to(dtype)))
    print(f"max |difference| twin vs striding network in {str(dtype)[6:]}: {(a - b).abs().max().item():.1e}")
    print(f"largest logit in {str(dtype)[6:]}: {a.abs().max().item():.3g}")
'''
)


def theorem2_code() -> str:
    """Theorem 2 of Stride = channels as a script: the striding LeNet, its stride-1 twin, their tables and agreement.

    Source: Kong and Lucey, Theorem 2 (Equations 18–31) and Tables 1–2. The LeNet is initialised as
    stride_core.non_striding.lenet_striding(seed=0) (``torch.manual_seed(0)``, then the layers in
    order), so its weights are the page's; the twin is built as to_non_striding builds it. The page
    takes 64 handwritten digits; the script 64 seeded random images.

    Returns:
        The script's text; it prints both layer tables, the twin's input shape and the agreement in
        float32 and float64.

    Example:
        >>> _ = compile(theorem2_code(), "theorem2.py", "exec")
    """
    summary = (
        "The striding LeNet of Kong and Lucey's Table 1 (seed 0, as on the page) and its stride-1 twin, built as in\n"
        "the proof of Theorem 2: the twin's filters are cut from the original ones, nothing is trained."
    )
    return _script(_THEOREM2, title="Stride = channels: Theorem 2", summary=summary)
