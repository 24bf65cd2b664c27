"""Result types of the lesson pages' cached functions.

st.cache_data pickles what a cached function returns, and pickle finds a class by its module's
name: a class defined inside a page script (run as "__main__") cannot be found again, so the
NamedTuples the pages cache live here, one section per lesson.
"""

from typing import NamedTuple

import numpy as np

from stride_core.aliasing import Folding
from stride_core.verify import Agreement

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
