"""Result types of the lesson pages' cached functions.

st.cache_data pickles what a cached function returns, and pickle finds a class by its module's
name: a class defined inside a page script (run as "__main__") cannot be found again, so the
NamedTuples the pages cache live here, one section per lesson.
"""

from typing import NamedTuple

import numpy as np
from plotly.graph_objects import Figure

from stride_core.aliasing import Folding
from stride_core.verify import Agreement

# ---------------------------------------------------------------------------------------------
# 02 Convolutional tensors.


class TensorProduct(NamedTuple):
    C: np.ndarray  # the convolutional tensor 𝓗 (P, Q, H, W)
    by_tensor: np.ndarray  # the strided output as the tensor product
    by_torch: np.ndarray  # the same from F.conv2d
    convolutional: bool  # 𝓗 satisfies the shift equalities of Properties 1–2
    kept: np.ndarray  # the slices a stride keeps


# ---------------------------------------------------------------------------------------------
# 03 Sampling grids.


class Subsampled(NamedTuple):
    w: np.ndarray  # the 3×3 filter (the paper's H)
    tensor: np.ndarray  # the sub-sampled convolutional tensor 𝓖
    small: np.ndarray  # its filter T^(s)_{p,q}(O_{m-1,n-1}(w))
    convolutional: bool  # 𝓖 satisfies the shift equalities of Properties 1–2
    agree: Agreement  # 𝓖 against the convolutional tensor of the small filter


# ---------------------------------------------------------------------------------------------
# 05 Aliasing pyramid.


class StridesView(NamedTuple):
    original: np.ndarray  # display copy of the image
    rows: dict  # method -> display copies of its outputs at strides 1..s
    sizes: dict  # method -> their (h, w)
    table: str  # the source's printout layout
    records: list  # (stride, method, (h, w), correlation)
    energy: list  # aliased share of each record's spectrum
    check: Agreement  # the 3×3 box convolution against F.avg_pool2d
    other: list  # each record's correlation with the other upsampling alignment (see pyramid.ALIGNMENTS)
    errors: list  # each record's lowpass_error against the reference (no reward for aliasing)


class PyramidView(NamedTuple):
    original: np.ndarray
    rows: dict  # method -> display copies of levels 1..
    n: int  # levels every method reached
    sizes: dict  # method -> (h, w) of each level


class SpectrumView(NamedTuple):
    folding: Folding  # with display copies of its maps
    spectra: dict  # short method name -> display copy of the output's log spectrum
    shapes: dict  # short method name -> (h, w) of that output


class SweepView(NamedTuple):
    sweep: np.ndarray  # (seeds, strides, 2) correlations
    text: str  # the summary sentence


# ---------------------------------------------------------------------------------------------
# 06 Backprop.


class BackpropView(NamedTuple):
    forward: Figure  # x, w, y and the upstream gradient dy
    anim_x: Figure  # the input gradient, step by step
    pair_x: Figure  # the recipe beside torch.autograd
    anim_w: Figure  # the weight gradient, step by step
    pair_w: Figure
    recipe: Figure  # undilated vs dilated recipe vs autograd
    ok_x: Agreement  # input gradient against autograd
    ok_w: Agreement  # weight gradient against autograd
    wrong: Agreement  # the undilated recipe against autograd
    raw: tuple[int, int]  # size of the undilated recipe's result before fitting
    target: bool  # the upstream gradient comes from a target (squared error)
