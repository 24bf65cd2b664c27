"""The lesson registry and the sources, cited by authors and title. No Streamlit here."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Sources, cited by authors and title.
STRIDING_PAPER = (
    'Chen Kong and Simon Lucey, "Take it in your stride: Do we need striding in CNNs?", arXiv:1712.02502 (2017)'
)
RESOLUTION_LESSON = '"Stride and Resolution", a lesson with a multi-resolution pyramid experiment'
LARGE_STRIDE_ARTICLE = '"What effect does a stride larger than the kernel have on a convolution?", an article (2025)'
DIFFSTRIDE_PAPER = (
    "Rachid Riad, Olivier Teboul, David Grangier and Neil Zeghidour, "
    '"Learning Strides in Convolutional Neural Networks", ICLR 2022'
)
BACKPROP_THREAD = (
    "a Stack Exchange question-and-answer thread on back-propagation through a convolution with stride > 1 (2018)"
)
ZHANG_2019 = 'Richard Zhang, "Making Convolutional Networks Shift-Invariant Again", ICML 2019'
RIPPEL_2015 = (
    'Oren Rippel, Jasper Snoek and Ryan P. Adams, "Spectral Representations for Convolutional Neural Networks", '
    "NeurIPS 2015"
)
ODENA_2016 = (
    'Augustus Odena, Vincent Dumoulin and Chris Olah, "Deconvolution and Checkerboard Artifacts", Distill (2016)'
)
DUMOULIN_2016 = 'Vincent Dumoulin and Francesco Visin, "A guide to convolution arithmetic for deep learning" (2016)'
ARAUJO_2019 = (
    'André Araujo, Wade Norris and Jack Sim, "Computing Receptive Fields of Convolutional Neural Networks", '
    "Distill (2019)"
)
LUO_2016 = (
    'Wenjie Luo, Yujia Li, Raquel Urtasun and Richard Zemel, "Understanding the Effective Receptive Field in Deep '
    'Convolutional Neural Networks", NeurIPS 2016'
)
SPRINGENBERG_2015 = (
    'Jost Tobias Springenberg, Alexey Dosovitskiy, Thomas Brox and Martin Riedmiller, "Striving for Simplicity: '
    'The All Convolutional Net", ICLR 2015 workshop'
)


@dataclass(frozen=True)
class Lesson:
    slug: str  # the URL path
    title: str
    group: str  # navigation section
    file: str  # path of the page, relative to the project root
    icon: str
    teaches: str  # one sentence for the lesson map
    sources: tuple[str, ...]

    @property
    def exists(self) -> bool:
        return (ROOT / self.file).is_file()


GROUPS = ("Foundations", "Equivalences", "Consequences")

LESSONS: tuple[Lesson, ...] = (
    Lesson(
        "arithmetic",
        "Stride arithmetic",
        "Foundations",
        "lessons/01_stride_arithmetic.py",
        ":material/calculate:",
        "How big the output is, where each kernel window lands, and which input pixels a large stride never reads.",
        (RESOLUTION_LESSON, LARGE_STRIDE_ARTICLE),
    ),
    Lesson(
        "conventions",
        "Conventions and pitfalls",
        "Foundations",
        "lessons/08_conventions.py",
        ":material/rule:",
        "Correlation or convolution, TensorFlow's 'SAME' or PyTorch's padding, ceil_mode, and a source's code "
        "put to the test.",
        (LARGE_STRIDE_ARTICLE, SPRINGENBERG_2015),
    ),
    Lesson(
        "conv-tensors",
        "Convolutional tensors",
        "Foundations",
        "lessons/02_conv_tensors.py",
        ":material/view_in_ar:",
        "A convolution written as one 4-D tensor, its slices, and the doubly block-Toeplitz matrix it unrolls into.",
        (STRIDING_PAPER,),
    ),
    Lesson(
        "sampling-grids",
        "Sampling grids",
        "Foundations",
        "lessons/03_sampling_grids.py",
        ":material/grid_on:",
        "The sub-sampling functions $T^{(s)}_{m,n}$: the s² interleaved grids a stride chooses between.",
        (STRIDING_PAPER,),
    ),
    Lesson(
        "stride-channels",
        "Stride = channels",
        "Equivalences",
        "lessons/04_stride_channels.py",
        ":material/layers:",
        "A strided convolution is a sum of stride-1 convolutions of polyphase pieces, and a whole strided LeNet "
        "has a stride-1 twin.",
        (STRIDING_PAPER,),
    ),
    Lesson(
        "aliasing",
        "Aliasing pyramid",
        "Consequences",
        "lessons/05_aliasing_pyramid.py",
        ":material/blur_on:",
        "Strided convolution against naive subsampling, measured by correlation and by the error against an "
        "ideal low-pass, and anti-aliased alternatives.",
        (RESOLUTION_LESSON, ZHANG_2019, RIPPEL_2015),
    ),
    Lesson(
        "receptive-field",
        "Receptive field",
        "Consequences",
        "lessons/09_receptive_field.py",
        ":material/center_focus_strong:",
        "What one output unit of a real network can see: receptive field, effective stride and their cost, "
        "layer by layer.",
        (RESOLUTION_LESSON, STRIDING_PAPER, DIFFSTRIDE_PAPER, ARAUJO_2019, LUO_2016),
    ),
    Lesson(
        "backprop",
        "Backprop with stride",
        "Consequences",
        "lessons/06_backprop.py",
        ":material/undo:",
        "The input gradient of a strided convolution: dilate the upstream gradient, pad it, and correlate it "
        "with the kernel rotated by 180°.",
        (BACKPROP_THREAD, ODENA_2016),
    ),
    Lesson(
        "transposed",
        "Transposed convolution",
        "Consequences",
        "lessons/10_transposed.py",
        ":material/open_in_full:",
        "Stride run backwards: the transposed convolution's size, output_padding, and where checkerboard "
        "artifacts come from.",
        (BACKPROP_THREAD, ODENA_2016, DUMOULIN_2016),
    ),
    Lesson(
        "diffstride",
        "DiffStride",
        "Consequences",
        "lessons/07_diffstride.py",
        ":material/tune:",
        "Strides learned by gradient descent through a smooth mask in the Fourier domain.",
        (DIFFSTRIDE_PAPER, RIPPEL_2015),
    ),
)


def available_lessons() -> list[Lesson]:
    """The lessons whose page exists, in curriculum order (nothing is listed before it is built)."""
    return [x for x in LESSONS if x.exists]


def lesson(slug: str) -> Lesson:
    """The registry entry of a lesson by its URL slug."""
    return next(x for x in LESSONS if x.slug == slug)
