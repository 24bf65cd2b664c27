"""stride_core: the tested math behind Stride Lab (torch and numpy only; never streamlit).

One module per family of the sources' objects:

- arithmetic    output sizes, kernel placements, coverage of the input
- conventions   correlation vs convolution, TensorFlow's 'SAME', pooling's ceil_mode, source 002's code
- conv_tensor   the convolutional tensor of a filter (Definitions 1–2, Properties 1–4)
- sampling      the sampling grids T and S (Definitions 3–4) and polyphase components
- equivalence   Figure 1, Theorem 1 and Lemma 1: a strided convolution as stride-1 convolutions
- non_striding  Theorem 2: a whole network's stride-1 twin; the LeNet of Table 1
- aliasing      downsamplers (strided box, naive, BlurPool, spectral crop), folding, shift consistency
- pyramid       the source's pyramid experiment, its image and table; display copies
- backprop      gradients of a strided convolution: dilate, pad, correlate with the rotated kernel
- transposed    transposed convolution: output size, output_padding, overlap (checkerboard) maps
- receptive_field  receptive field, effective stride and padding of a traced network; effective field
- networks      VGG-16, ResNet-18/50, AlexNet, MobileNetV2 feature extractors (torchvision geometry, offline)
- diffstride    DiffStride (learnable strides), spectral pooling, the complexity penalty
- training      small seeded training loops (the striding LeNet on digits, learning strides)
- images        upload validation, sample images, test patterns
- device        where pages compute, and the thread bound
- verify        agreement of two tensors (the badges' check)
- codegen       the self-contained PyTorch script behind each lesson's "PyTorch code" view
- viz           figures as data, one module per lesson (adds plotly)

Every module follows the same rules: torch operators, typed errors and argument checks from
_checks, and docstrings that cite the source and carry a doctest.
"""

from ._checks import ShapeError, StrideLabError, ValueCheckError
from .device import default_device

__all__ = ["StrideLabError", "ShapeError", "ValueCheckError", "default_device"]
__version__ = "0.1.0"
