"""stride_core: the tested math behind Stride Lab (torch and numpy only; never streamlit).

One module per idea, named after the sources' objects:

- arithmetic  output sizes, kernel placements, coverage of the input
- images      upload validation, sample images, test patterns
- device      where pages compute, and the thread bound
- viz         pure functions from tensors to plotly figures (adds plotly)

Lesson modules (conv_tensor, sampling, equivalence, aliasing, backprop, diffstride) follow the
same rules: torch operators, typed errors from _checks, and docstrings that cite the source.
"""

from ._checks import ShapeError, StrideLabError, ValueCheckError
from .device import default_device

__all__ = ["StrideLabError", "ShapeError", "ValueCheckError", "default_device"]
__version__ = "0.1.0"
