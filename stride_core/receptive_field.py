r"""Receptive fields of CNNs: size r, effective stride (jump) and effective padding, layer by layer.

Sources: "Stride and Resolution" (a 224×224 image reaches 7×7 after five stride-2 steps, and every
later layer runs on a quarter of the area); Kong and Lucey, "Take it in your stride: Do we need
striding in CNNs?" (striding reduces the overlap of receptive fields); Riad et al., "Learning Strides
in Convolutional Neural Networks" (a reduced resolution gives later layers a larger receptive field).
Method: Araujo, Norris and Sim, "Computing Receptive Fields of Convolutional Neural Networks", Distill
(2019); Luo, Li, Urtasun and Zemel, "Understanding the Effective Receptive Field in Deep Convolutional
Neural Networks", NeurIPS 2016.

Along each axis a layer with kernel k, stride s, left padding p and dilation d (span k' = d(k − 1) + 1)
turns the geometry (r, j, P) of its input into

    r ← r + (k' − 1)·j,    P ← P + p·j,    j ← j·s,

so that output unit i (0-based) depends on input positions i·j − P … i·j − P + r − 1 (before
clipping to the image; positions outside it are padding). Element-wise layers change nothing. Where
branches meet (a sum, a channel concatenation) the unit depends on the union of the branches' fields:
the branches must share the jump and output size, and their ranges must overlap or touch.

The graph is traced with torch.fx, so a ResNet's 1×1 stride-2 shortcut is composed with the block's
input, not after its main path. Convolution means cross-correlation, as in F.conv2d.
"""

from __future__ import annotations

import copy
import math
import operator
from collections.abc import Sequence
from typing import Any, NamedTuple

import torch
import torch.fx as fx
import torch.nn.functional as F
from torch import nn

from ._checks import ShapeError, ValueCheckError, check, check_int, check_shape, pair

__all__ = [
    "ReceptiveField",
    "LayerRow",
    "Step",
    "receptive_field",
    "layer_table",
    "downsampling_steps",
    "Geometry",
    "network_geometry",
    "rf_box",
    "clip_box",
    "unit_centres",
    "effective_rf",
    "mass_area",
    "network_input",
    "linearised",
    "gradient_box",
    "ELEMENTWISE",
]

Pair = tuple[int, int]
Box = tuple[int, int, int, int]


class ReceptiveField(NamedTuple):
    """Geometry of a network's output units, per axis (h, w).

    Output unit (i, j) depends on input rows i·jump_h − padding_h … i·jump_h − padding_h + size_h − 1
    and the same for columns (before clipping to the image).
    """

    size: Pair  # receptive field size r
    jump: Pair  # effective stride: input pixels between neighbouring units' fields
    padding: Pair  # effective padding: how far unit 0's field starts before the image
    out_size: Pair  # the output feature map (H, W)


class LayerRow(NamedTuple):
    """One convolution or pooling layer of a traced network, with the field at its output."""

    name: str  # module name in the network ("layer2.0.conv2")
    kind: str  # "conv", "max pool" or "avg pool"
    kernel: Pair
    stride: Pair
    padding: Pair  # left/top padding (PyTorch pads both sides equally, except padding="same")
    dilation: Pair
    groups: int
    channels: tuple[int | None, int | None]  # (in, out); None where unknown
    out_size: Pair
    macs: int  # multiply-adds of a convolution (H_out·W_out·kh·kw·C_in/groups·C_out); 0 for a pool
    rf: ReceptiveField  # cumulative, at this layer's output
    main: bool  # on the main path (at every sum or concatenation, the branch with the largest field)


class Step(NamedTuple):
    """One downsampling step: the strided layers that take the jump from jump_in to jump_out (parallel branches)."""

    names: tuple[str, ...]
    stride: Pair
    jump_in: Pair
    jump_out: Pair
    out_size: Pair


ELEMENTWISE: tuple[type[nn.Module], ...] = (
    nn.Identity, nn.ReLU, nn.ReLU6, nn.LeakyReLU, nn.PReLU, nn.ELU, nn.SELU, nn.CELU, nn.GELU, nn.SiLU, nn.Mish,
    nn.Tanh, nn.Sigmoid, nn.Hardtanh, nn.Hardsigmoid, nn.Hardswish, nn.Softplus, nn.Softsign, nn.Tanhshrink,
    nn.BatchNorm2d, nn.Dropout, nn.Dropout2d, nn.Dropout1d, nn.AlphaDropout,
)  # fmt: skip
"""Layers that act on each position alone (BatchNorm as at inference, with its running statistics)."""

_EW_FUNCTIONS = {
    F.relu, F.relu6, F.hardtanh, F.leaky_relu, F.elu, F.gelu, F.silu, F.mish, F.hardswish, F.hardsigmoid, F.dropout,
    F.dropout2d, F.batch_norm, torch.relu, torch.sigmoid, torch.tanh, torch.clamp, torch.neg, torch.abs,
}  # fmt: skip
_MERGE_FUNCTIONS = {operator.add, operator.iadd, operator.sub, operator.isub, operator.mul, operator.imul,
                    operator.truediv, torch.add, torch.sub, torch.mul, torch.maximum, torch.minimum}  # fmt: skip
_EW_METHODS = {"relu", "relu_", "sigmoid", "sigmoid_", "tanh", "clamp", "clamp_", "contiguous", "clone", "neg", "abs"}
_MERGE_METHODS = {"add", "add_", "sub", "sub_", "mul", "mul_", "div", "div_"}


class _Geo(NamedTuple):
    r: Pair
    j: Pair
    p: Pair
    n: Pair  # map size
    c: int | None  # channels


class _Traced(NamedTuple):
    out: _Geo
    rows: list[LayerRow]


# ---------------------------------------------------------------------------------------------
# Tracing.


def _pair(v: Any) -> Pair:
    return (int(v[0]), int(v[1])) if isinstance(v, (tuple, list)) else (int(v), int(v))


def _conv_out(n: int, k: int, s: int, pl: int, pr: int, d: int, name: str) -> int:
    span = d * (k - 1) + 1
    if n + pl + pr < span:
        raise ValueCheckError(
            f"at {name}: the window ({span} pixels with dilation) does not fit in its padded input "
            f"({n} + {pl + pr}); use a larger input"
        )
    return (n + pl + pr - span) // s + 1


def _pool_out(n: int, k: int, s: int, p: int, d: int, ceil: bool, name: str) -> int:
    """PyTorch's pooling_output_shape (aten/src/ATen/native/Pool.h)."""
    span = d * (k - 1) + 1
    if n + 2 * p < span:
        raise ValueCheckError(
            f"at {name}: the window ({span} pixels) does not fit in its padded input ({n} + {2 * p}); "
            "use a larger input"
        )
    out = (n + 2 * p - span + (s - 1 if ceil else 0)) // s + 1
    if ceil and (out - 1) * s >= n + p:
        out -= 1
    return out


def _layer(g: _Geo, k: Pair, s: Pair, pads: tuple[Pair, Pair], d: Pair, outs: Pair, c: int | None) -> _Geo:
    (pl, _), r, j, p = pads, g.r, g.j, g.p
    return _Geo(
        tuple(r[a] + d[a] * (k[a] - 1) * j[a] for a in (0, 1)),
        tuple(j[a] * s[a] for a in (0, 1)),
        tuple(p[a] + pl[a] * j[a] for a in (0, 1)),
        outs,
        c,
    )


def _merge(geos: list[_Geo], name: str, concat: bool) -> _Geo:
    if len(geos) == 1:
        return geos[0]
    first = geos[0]
    if any(g.n != first.n for g in geos):
        sizes = ", ".join(f"{g.n[0]}×{g.n[1]}" for g in geos)
        raise ValueCheckError(f"at {name}: the branches meet at different sizes ({sizes}); they must match")
    if any(g.j != first.j for g in geos):
        jumps = ", ".join(f"{g.j[0]}×{g.j[1]}" for g in geos)
        raise ValueCheckError(
            f"at {name}: the branches are not aligned: their effective strides differ ({jumps}), "
            "so one output unit does not see one contiguous window"
        )
    r, p = [], []
    for a in (0, 1):
        spans = sorted((-g.p[a], -g.p[a] + g.r[a] - 1) for g in geos)
        end = spans[0][1]
        for lo, hi in spans[1:]:
            if lo > end + 1:
                raise ValueCheckError(
                    f"at {name}: the branches are not aligned: their fields cover separate input ranges "
                    f"({spans}) along axis {'hw'[a]}"
                )
            end = max(end, hi)
        p.append(-spans[0][0])
        r.append(end - spans[0][0] + 1)
    cs = [g.c for g in geos]
    c = (sum(cs) if concat else cs[0]) if None not in cs else None
    return _Geo(tuple(r), first.j, tuple(p), first.n, c)


def _check_model(model: nn.Module, input_size: Sequence[int]) -> Pair:
    check(isinstance(model, nn.Module), f"model must be an nn.Module, got {type(model).__name__}")
    return pair(input_size, "input_size", minimum=1)


def _trace(model: nn.Module, size: Pair) -> _Traced:
    if isinstance(model, (nn.Conv2d, nn.MaxPool2d, nn.AvgPool2d, *ELEMENTWISE)):
        model = nn.Sequential(model)  # fx would trace inside a lone layer
    try:
        graph = fx.symbolic_trace(model).graph
    except Exception as exc:  # noqa: BLE001 - fx raises many kinds of errors
        raise ValueCheckError(
            f"could not trace {type(model).__name__} with torch.fx ({exc}); the receptive field needs a forward "
            "without data-dependent control flow"
        ) from None
    modules = dict(model.named_modules())
    geo: dict[fx.Node, _Geo | None] = {}
    parents: dict[fx.Node, list[fx.Node]] = {}
    rows: dict[fx.Node, dict] = {}
    out: fx.Node | None = None
    for node in graph.nodes:
        spatial = [a for a in node.all_input_nodes if geo.get(a) is not None]
        parents[node] = spatial
        where = node.target if isinstance(node.target, str) else getattr(node.target, "__name__", str(node.target))
        if node.op == "placeholder":
            geo[node] = _Geo((1, 1), (1, 1), (0, 0), size, None) if not geo else None
            continue
        if node.op == "get_attr":
            geo[node] = None
            continue
        if node.op == "output":
            check(len(spatial) == 1, "the model must return one feature map")
            out = spatial[0]
            break
        if not spatial:
            geo[node] = None
            continue
        g = geo[spatial[0]]
        if node.op == "call_module":
            mod = modules[node.target]
            if isinstance(mod, (nn.Conv2d, nn.MaxPool2d, nn.AvgPool2d)):
                geo[node], rows[node] = _spatial_layer(mod, node.target, g)
            elif isinstance(mod, ELEMENTWISE):
                geo[node] = g
            else:
                raise ValueCheckError(
                    f"at {node.target}: {type(mod).__name__} is not supported; the receptive field is defined for "
                    "Conv2d, MaxPool2d, AvgPool2d, element-wise layers, sums and channel concatenations "
                    "(pass the part of the network before its global pooling)"
                )
        elif node.op == "call_function" and node.target in _EW_FUNCTIONS:
            geo[node] = g
        elif node.op == "call_function" and node.target in _MERGE_FUNCTIONS:
            geo[node] = _merge([geo[a] for a in spatial], where, concat=False)
        elif node.op == "call_function" and node.target in (torch.cat, torch.concat):
            dim = node.kwargs.get("dim", node.args[1] if len(node.args) > 1 else 0)
            check(
                dim in (1, -3), f"at {where}: only concatenation along channels (dim 1) keeps positions, got dim {dim}"
            )
            geo[node] = _merge([geo[a] for a in spatial], where, concat=True)
        elif node.op == "call_method" and node.target in _EW_METHODS:
            geo[node] = g
        elif node.op == "call_method" and node.target in _MERGE_METHODS:
            geo[node] = _merge([geo[a] for a in spatial], where, concat=False)
        else:
            raise ValueCheckError(
                f"at {node.name}: {where} is not supported; the receptive field is defined for Conv2d, MaxPool2d, "
                "AvgPool2d, element-wise layers, sums and channel concatenations"
            )
    check(out is not None and geo.get(out) is not None, "the model's output does not depend on its input")
    # The main path: back from the output, through the branch with the largest field at every merge.
    main, node = set(), out
    while node is not None:
        main.add(node)
        ps = parents.get(node, [])
        node = max(ps, key=lambda a: geo[a].r[0] * geo[a].r[1], default=None) if ps else None
    table = []
    for node, row in rows.items():
        gg = geo[node]
        table.append(LayerRow(**row, rf=ReceptiveField(gg.r, gg.j, gg.p, gg.n), main=node in main))
    return _Traced(geo[out], table)


def _spatial_layer(mod: nn.Module, name: str, g: _Geo) -> tuple[_Geo, dict]:
    if isinstance(mod, nn.Conv2d):
        check(
            mod.padding_mode == "zeros",
            f"at {name}: only zero padding keeps the field a box, got padding_mode={mod.padding_mode!r}",
        )
        k, s, d = _pair(mod.kernel_size), _pair(mod.stride), _pair(mod.dilation)
        if isinstance(mod.padding, str):
            total = [0, 0] if mod.padding == "valid" else [d[a] * (k[a] - 1) for a in (0, 1)]
            pads = (tuple(t // 2 for t in total), tuple(t - t // 2 for t in total))
        else:
            p = _pair(mod.padding)
            pads = (p, p)
        outs = tuple(_conv_out(g.n[a], k[a], s[a], pads[0][a], pads[1][a], d[a], name) for a in (0, 1))
        macs = outs[0] * outs[1] * k[0] * k[1] * (mod.in_channels // mod.groups) * mod.out_channels
        new = _layer(g, k, s, pads, d, outs, mod.out_channels)
        row = dict(
            name=name,
            kind="conv",
            kernel=k,
            stride=s,
            padding=pads[0],
            dilation=d,
            groups=mod.groups,
            channels=(mod.in_channels, mod.out_channels),
            out_size=outs,
            macs=macs,
        )
        return new, row
    check(not getattr(mod, "return_indices", False), f"at {name}: return_indices=True is not supported")
    k = _pair(mod.kernel_size)
    s = _pair(mod.stride if mod.stride is not None else mod.kernel_size)
    p = _pair(mod.padding)
    d = _pair(mod.dilation) if isinstance(mod, nn.MaxPool2d) else (1, 1)
    outs = tuple(_pool_out(g.n[a], k[a], s[a], p[a], d[a], bool(mod.ceil_mode), name) for a in (0, 1))
    new = _layer(g, k, s, (p, p), d, outs, g.c)
    row = dict(
        name=name,
        kind="max pool" if isinstance(mod, nn.MaxPool2d) else "avg pool",
        kernel=k,
        stride=s,
        padding=p,
        dilation=d,
        groups=1,
        channels=(g.c, g.c),
        out_size=outs,
        macs=0,
    )
    return new, row


# ---------------------------------------------------------------------------------------------
# Public functions.


def receptive_field(model: nn.Module, input_size: Sequence[int]) -> ReceptiveField:
    r"""The receptive field of the model's output units: size, jump (effective stride), effective padding, output size.

    Araujo et al. (2019): r, the effective stride and the effective padding, composed layer by layer
    over the graph traced by torch.fx (sums and channel concatenations take the union of their
    branches' fields). The weights are not used: a model built on the "meta" device works.

    Args:
        model: an nn.Module made of Conv2d, MaxPool2d, AvgPool2d (any kernel, stride, padding,
            dilation, groups, ceil_mode), element-wise layers, sums and channel concatenations,
            returning one feature map.
        input_size: (H, W) of the input image, or an int for a square one.

    Returns:
        ReceptiveField(size, jump, padding, out_size), each an (h, w) pair of ints.

    Raises:
        ValueCheckError: if the model cannot be traced, has an unsupported layer, a window does not
            fit in its input, or branches that meet are not aligned (different effective strides,
            sizes, or separate input ranges).

    Example:
        >>> net = nn.Sequential(nn.Conv2d(1, 1, 3, padding=1), nn.MaxPool2d(2), nn.Conv2d(1, 1, 3, stride=2, padding=1))
        >>> receptive_field(net, (32, 32))
        ReceptiveField(size=(8, 8), jump=(4, 4), padding=(3, 3), out_size=(8, 8))
    """
    size = _check_model(model, input_size)
    g = _trace(model, size).out
    return ReceptiveField(g.r, g.j, g.p, g.n)


def layer_table(model: nn.Module, input_size: Sequence[int]) -> list[LayerRow]:
    """One LayerRow per convolution and pooling layer, in the order the graph runs them.

    Each row carries the layer's own kernel, stride, padding and dilation, its output size, its
    multiply-adds, and the cumulative ReceptiveField at its output (for a shortcut branch, the
    field of that branch). ``main`` marks the rows on the main path.

    Raises:
        ValueCheckError: as receptive_field.

    Example:
        >>> net = nn.Sequential(nn.Conv2d(3, 8, 3, stride=2, padding=1), nn.ReLU(), nn.MaxPool2d(2))
        >>> [(r.name, r.out_size, r.rf.size, r.rf.jump, r.macs) for r in layer_table(net, 16)]
        [('0', (8, 8), (3, 3), (2, 2), 13824), ('2', (4, 4), (5, 5), (4, 4), 0)]
    """
    size = _check_model(model, input_size)
    return _trace(model, size).rows


def downsampling_steps(model: nn.Module, input_size: Sequence[int]) -> list[Step]:
    """The strided layers, grouped into steps: layers on parallel branches that share a jump change are one step.

    Two strided layers with the same (jump before, jump after) must lie on parallel branches (in
    series the jump only grows), like a ResNet block's 3×3 convolution and its 1×1 shortcut; they
    have to change stride together for the branches to stay aligned.

    Raises:
        ValueCheckError: as receptive_field.

    Example:
        >>> net = nn.Sequential(nn.Conv2d(3, 8, 3, stride=2, padding=1), nn.ReLU(), nn.MaxPool2d(2))
        >>> [(s.names, s.stride, s.jump_out) for s in downsampling_steps(net, 16)]
        [(('0',), (2, 2), (2, 2)), (('2',), (2, 2), (4, 4))]
    """
    return _steps(layer_table(model, input_size))


class Geometry(NamedTuple):
    """Everything the lesson reads about one network at one input size (one trace)."""

    rf: ReceptiveField  # at the output
    rows: list[LayerRow]
    steps: list[Step]
    macs: int  # total multiply-adds of the convolutions


def _steps(rows: list[LayerRow]) -> list[Step]:
    steps: dict[tuple, list[LayerRow]] = {}
    for row in rows:
        if row.stride != (1, 1):
            j_in = (row.rf.jump[0] // row.stride[0], row.rf.jump[1] // row.stride[1])
            steps.setdefault((j_in, row.rf.jump), []).append(row)
    out = []
    for (j_in, j_out), group in steps.items():
        main = next((r for r in group if r.main), group[0])
        out.append(Step(tuple(r.name for r in group), main.stride, j_in, j_out, main.out_size))
    return out


def network_geometry(model: nn.Module, input_size: Sequence[int]) -> Geometry:
    """receptive_field, layer_table, downsampling_steps and the total multiply-adds, from one trace.

    Raises:
        ValueCheckError: as receptive_field.

    Example:
        >>> g = network_geometry(nn.Sequential(nn.Conv2d(1, 2, 3, stride=2), nn.MaxPool2d(2)), 9)
        >>> g.rf.size, len(g.rows), g.steps[1].names, g.macs
        ((5, 5), 2, ('1',), 288)
    """
    size = _check_model(model, input_size)
    t = _trace(model, size)
    return Geometry(
        ReceptiveField(t.out.r, t.out.j, t.out.p, t.out.n), t.rows, _steps(t.rows), sum(r.macs for r in t.rows)
    )


def _unit(rf: ReceptiveField, unit: Sequence[int]) -> Pair:
    check(isinstance(unit, Sequence) and len(unit) == 2, f"unit must be an (i, j) pair, got {unit!r}")
    i = check_int(unit[0], "unit row i", 0, rf.out_size[0] - 1)
    j = check_int(unit[1], "unit column j", 0, rf.out_size[1] - 1)
    return i, j


def rf_box(rf: ReceptiveField, i: int, j: int) -> Box:
    """(top, left, bottom, right), inclusive and unclipped, of output unit (i, j)'s receptive field (0-based).

    Raises:
        ValueCheckError: if (i, j) is outside the output map.

    Example:
        >>> rf_box(ReceptiveField((212, 212), (32, 32), (90, 90), (7, 7)), 0, 6)
        (-90, 102, 121, 313)
    """
    i, j = _unit(rf, (i, j))
    top, left = i * rf.jump[0] - rf.padding[0], j * rf.jump[1] - rf.padding[1]
    return top, left, top + rf.size[0] - 1, left + rf.size[1] - 1


def clip_box(box: Box, size: Sequence[int]) -> Box | None:
    """The part of a box inside an (H, W) image, or None if it lies entirely in the padding.

    Example:
        >>> clip_box((-90, 102, 121, 313), (224, 224))
        (0, 102, 121, 223)
    """
    h, w = pair(size, "size", minimum=1)
    top, left, bottom, right = max(box[0], 0), max(box[1], 0), min(box[2], h - 1), min(box[3], w - 1)
    return (top, left, bottom, right) if top <= bottom and left <= right else None


def unit_centres(rf: ReceptiveField) -> tuple[torch.Tensor, torch.Tensor]:
    """Row and column centres of every output unit's field, in input pixels: i·jump − padding + (r − 1)/2.

    Neighbouring centres are `jump` apart; fields of neighbours overlap by r − jump pixels when r > jump.

    Returns:
        (rows (H_out,), cols (W_out,)) float64 tensors on the CPU.

    Example:
        >>> unit_centres(ReceptiveField((3, 3), (2, 2), (1, 1), (3, 2)))
        (tensor([0., 2., 4.], dtype=torch.float64), tensor([0., 2.], dtype=torch.float64))
    """
    return tuple(  # type: ignore[return-value]
        torch.arange(rf.out_size[a], dtype=torch.float64) * rf.jump[a] - rf.padding[a] + (rf.size[a] - 1) / 2
        for a in (0, 1)
    )


def effective_rf(model: nn.Module, x: torch.Tensor, unit: Sequence[int]) -> torch.Tensor:
    r"""The effective receptive field of one output unit (Luo et al. 2016): |∂y_unit/∂x| summed over channels.

    y_unit = Σ_c y[0, c, i, j] (a gradient of 1 at every channel of the unit), back-propagated to the
    input with the model's actual weights, in eval mode (BatchNorm with its running statistics,
    dropout off); the model's mode is restored afterwards and no weight gradient is computed or stored.

    Args:
        model: maps (1, C, H, W) to a feature map (1, C', H', W').
        x: the input image (C, H, W) or (1, C, H, W), on the model's device.
        unit: (i, j), 0-based, inside the output map.

    Returns:
        Tensor (H, W), >= 0, same device and dtype as x.

    Raises:
        ShapeError: if x is not (C, H, W) or (1, C, H, W), or the output is not 4-D.
        ValueCheckError: if the unit is outside the output map.

    Example:
        >>> net = nn.Conv2d(1, 1, 3, stride=2, bias=False)
        >>> with torch.no_grad():
        ...     _ = net.weight.fill_(1.0)
        >>> effective_rf(net, torch.zeros(1, 5, 5), (0, 1))
        tensor([[0., 0., 1., 1., 1.],
                [0., 0., 1., 1., 1.],
                [0., 0., 1., 1., 1.],
                [0., 0., 0., 0., 0.],
                [0., 0., 0., 0., 0.]])
    """
    check_shape(x, "* C H W")
    if x.dim() == 3:
        x = x[None]
    if x.dim() != 4 or x.shape[0] != 1:
        raise ShapeError(f"x must be (C, H, W) or (1, C, H, W), got shape {tuple(x.shape)}")
    was = model.training
    model.eval()
    try:
        with torch.enable_grad():
            xx = x.detach().clone()
            w = next((p for p in model.parameters() if p.dim() == 4), None)
            if w is not None and w.is_contiguous(memory_format=torch.channels_last) and not w.is_contiguous():
                xx = xx.contiguous(memory_format=torch.channels_last)  # a channels-last model runs faster on such input
            xx.requires_grad_(True)
            y = model(xx)
            if not isinstance(y, torch.Tensor) or y.dim() != 4:
                raise ShapeError(
                    f"the model must return a (1, C, H, W) feature map, got {getattr(y, 'shape', type(y))}"
                )
            i = check_int(unit[0], "unit row i", 0, y.shape[2] - 1)
            j = check_int(unit[1], "unit column j", 0, y.shape[3] - 1)
            (g,) = torch.autograd.grad(y[0, :, i, j].sum(), xx)
    finally:
        model.train(was)
    return g[0].abs().sum(0)


def mass_area(erf: torch.Tensor, share: float = 0.5) -> int:
    """The fewest pixels that hold `share` of the total of an effective field (largest values first).

    Luo et al. find the effective field concentrated near its centre: a small area carries most
    of the gradient. Returns 0 for an all-zero field.

    Example:
        >>> mass_area(torch.tensor([[4., 1.], [2., 1.]]), 0.5)
        1
        >>> mass_area(torch.tensor([[4., 1.], [2., 1.]]), 0.75)
        2
    """
    check_shape(erf, "* H W", name="erf")
    check(0 < share <= 1, f"share must be in (0, 1], got {share}")
    v = erf.detach().flatten().double().abs().sort(descending=True).values
    total = float(v.sum())
    if total == 0:
        return 0
    return int((v.cumsum(0) < share * total * (1 - 1e-12)).sum()) + 1


IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


def network_input(image: torch.Tensor, size: Sequence[int], channels: int = 3) -> torch.Tensor:
    """An image (C, H, W) in [0, 1] resized to cover (H', W'), centre-cropped to it, normalised for the network.

    Grey images are repeated to 3 channels (and colour ones averaged for 1); 3-channel inputs get
    ImageNet's mean and standard deviation, as the torchvision models expect.

    Returns:
        (channels, H', W') float32 tensor on image's device.

    Example:
        >>> network_input(torch.rand(1, 40, 60), (32, 32)).shape
        torch.Size([3, 32, 32])
    """
    check_shape(image, "C H W", name="image")
    h, w = pair(size, "size", minimum=1)
    check(channels in (1, 3), f"channels must be 1 or 3, got {channels}")
    x = image.float()
    scale = max(h / x.shape[1], w / x.shape[2])
    nh, nw = max(h, math.ceil(x.shape[1] * scale)), max(w, math.ceil(x.shape[2] * scale))
    x = F.interpolate(x[None], size=(nh, nw), mode="bilinear", antialias=True, align_corners=False)[0]
    top, left = (nh - h) // 2, (nw - w) // 2
    x = x[:, top : top + h, left : left + w].clamp(0, 1)
    if channels == 1:
        return x.mean(0, keepdim=True) - 0.5
    x = x.expand(3, h, w) if x.shape[0] == 1 else x[:3]
    mean = torch.tensor(IMAGENET_MEAN, device=x.device)[:, None, None]
    std = torch.tensor(IMAGENET_STD, device=x.device)[:, None, None]
    return (x - mean) / std


# ---------------------------------------------------------------------------------------------
# The check: the gradient support of a linearised copy.


class _Window(nn.Module):
    """A positive stand-in for a conv or pool: mean over channels, then equal positive weights on the window."""

    def __init__(self, mod: nn.Module):
        super().__init__()
        self.kind = "conv" if isinstance(mod, nn.Conv2d) else "pool"
        self.k = _pair(mod.kernel_size)
        self.s = _pair(mod.stride if mod.stride is not None else mod.kernel_size)
        self.d = _pair(getattr(mod, "dilation", 1))
        self.p = mod.padding if isinstance(mod.padding, str) else _pair(mod.padding)
        self.ceil = bool(getattr(mod, "ceil_mode", False))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.mean(1, keepdim=True)
        w = torch.full((1, 1, *self.k), 1.0 / (self.k[0] * self.k[1]), dtype=x.dtype, device=x.device)
        if self.kind == "conv":
            return F.conv2d(x, w, stride=self.s, padding=self.p, dilation=self.d)
        if self.d == (1, 1):
            return F.avg_pool2d(x, self.k, self.s, self.p, ceil_mode=self.ceil, count_include_pad=True)
        # A dilated max pool: the same windows with positive weights, torch's own output size (ceil_mode).
        with torch.no_grad():
            oh, ow = F.max_pool2d(x.detach(), self.k, self.s, self.p, self.d, ceil_mode=self.ceil).shape[-2:]
        need = [
            (o - 1) * s + d * (k - 1) + 1 - (n + 2 * p)
            for o, s, d, k, n, p in zip((oh, ow), self.s, self.d, self.k, x.shape[-2:], self.p, strict=True)
        ]
        xp = F.pad(x, (self.p[1], self.p[1] + max(0, need[1]), self.p[0], self.p[0] + max(0, need[0])))
        return F.conv2d(xp, w, stride=self.s, dilation=self.d)[..., :oh, :ow]


def linearised(model: nn.Module) -> nn.Module:
    """A copy of model in which every unit's value is a positive weighted sum of its whole field.

    Every Conv2d, MaxPool2d and AvgPool2d becomes a window with equal positive weights and the same
    kernel, stride, padding, dilation and ceil_mode, applied to the mean over channels (so one channel
    carries everything); element-wise layers (activations, BatchNorm, dropout) become Identity. The
    gradient of one output unit is then > 0 exactly on the input positions its field reaches: no
    weight, activation or max can hide a path. Works on a model built on the "meta" device.

    Example:
        >>> lin = linearised(nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU(), nn.MaxPool2d(2)))
        >>> lin(torch.ones(1, 1, 6, 6, dtype=torch.float64)).shape
        torch.Size([1, 1, 2, 2])
    """
    check(isinstance(model, nn.Module), f"model must be an nn.Module, got {type(model).__name__}")
    new = copy.deepcopy(model)
    for name, mod in list(new.named_modules()):
        if not name:
            continue
        if isinstance(mod, (nn.Conv2d, nn.MaxPool2d, nn.AvgPool2d)):
            repl: nn.Module = _Window(mod)
        elif isinstance(mod, ELEMENTWISE):
            repl = nn.Identity()
        else:
            continue
        *path, leaf = name.split(".")
        parent = new.get_submodule(".".join(path)) if path else new
        setattr(parent, leaf, repl)
    if isinstance(new, (nn.Conv2d, nn.MaxPool2d, nn.AvgPool2d)):
        new = _Window(new)
    return new.eval()


def gradient_box(model: nn.Module, input_size: Sequence[int], unit: Sequence[int]) -> Box | None:
    """The bounding box of the input-gradient support of one unit of linearised(model), in unclipped coordinates.

    The independent check of rf_box: the linearised copy runs in float64 on a canvas chosen so that
    the unit's whole field, padding included, lies inside it with a margin of at least max(J, 16)
    pixels on every side (the canvas unit sits at the same phase of the effective stride J); the
    positions where ∂y_unit/∂x > 0 are mapped back to the coordinates of an input_size image, where
    positions < 0 or >= H are padding. A field computed wrongly shows up as a different box.

    Returns:
        (top, left, bottom, right) inclusive, or None if no position has a gradient.

    Raises:
        ValueCheckError: as receptive_field, or if the unit is outside the output map.

    Example:
        >>> net = nn.Sequential(nn.Conv2d(1, 1, 3, padding=1), nn.MaxPool2d(2), nn.Conv2d(1, 1, 3, stride=2, padding=1))
        >>> gradient_box(net, (32, 32), (0, 7)), rf_box(receptive_field(net, (32, 32)), 0, 7)
        ((-3, 25, 4, 32), (-3, 25, 4, 32))
    """
    rf = receptive_field(model, input_size)
    i, j = _unit(rf, unit)
    box = rf_box(rf, i, j)
    canvas, unit2, shift = [], [], []
    for a in (0, 1):
        r, jump, p = rf.size[a], rf.jump[a], rf.padding[a]
        margin = max(jump, 16)
        u2 = math.ceil((p + margin) / jump)
        start = u2 * jump - p  # where the canvas unit's field starts, >= margin
        canvas.append(start + r + margin)
        unit2.append(u2)
        shift.append(start - (box[0] if a == 0 else box[1]))
    lin = linearised(model)
    x = torch.zeros(1, 1, *canvas, dtype=torch.float64, requires_grad=True)
    y = lin(x)
    if y.shape[2] <= unit2[0] or y.shape[3] <= unit2[1]:
        raise ValueCheckError(
            f"the check's canvas {canvas} gave a {tuple(y.shape[-2:])} output without unit {tuple(unit2)}"
        )
    (g,) = torch.autograd.grad(y[0, :, unit2[0], unit2[1]].sum(), x)
    support = g[0, 0] > 0
    rows, cols = support.any(1).nonzero().flatten(), support.any(0).nonzero().flatten()
    if rows.numel() == 0:
        return None
    return (int(rows[0]) - shift[0], int(cols[0]) - shift[1], int(rows[-1]) - shift[0], int(cols[-1]) - shift[1])
