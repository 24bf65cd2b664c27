"""Streamlit helpers the pages share. No math here: numbers come from stride_core.

- registry  the lessons, their groups and sources (no Streamlit)
- url       UrlLink: widgets mirrored in the link, bad link values cleaned and reported
- page      lesson header, verification badge, predict-then-reveal
- images    the image picker (samples and in-memory uploads)
- heavy     imports before concurrency, and the heavy-work slot
- figures   charts and tables with downloads, text alternatives and keyboard steps
"""

from .code import code_expander
from .figures import chart, chart_config, figure_format, table
from .heavy import HEAVY_SLOTS, Slot, decode_slot, heavy_slot, session_owner, training_slot, warm_imports
from .images import UPLOAD, PickedImage, image_picker
from .page import badge, lesson_header, predict_reveal
from .registry import (
    BACKPROP_THREAD,
    DIFFSTRIDE_PAPER,
    GROUPS,
    LARGE_STRIDE_ARTICLE,
    LESSONS,
    ODENA_2016,
    RESOLUTION_LESSON,
    RIPPEL_2015,
    ROOT,
    STRIDING_PAPER,
    ZHANG_2019,
    Lesson,
    available_lessons,
    lesson,
)
from .url import UrlLink, clean_text, clip

__all__ = [
    "BACKPROP_THREAD",
    "DIFFSTRIDE_PAPER",
    "GROUPS",
    "HEAVY_SLOTS",
    "LARGE_STRIDE_ARTICLE",
    "LESSONS",
    "ODENA_2016",
    "RESOLUTION_LESSON",
    "RIPPEL_2015",
    "ROOT",
    "Slot",
    "STRIDING_PAPER",
    "UPLOAD",
    "ZHANG_2019",
    "Lesson",
    "PickedImage",
    "UrlLink",
    "available_lessons",
    "badge",
    "clean_text",
    "chart",
    "chart_config",
    "clip",
    "code_expander",
    "decode_slot",
    "figure_format",
    "heavy_slot",
    "image_picker",
    "lesson",
    "lesson_header",
    "predict_reveal",
    "session_owner",
    "table",
    "training_slot",
    "warm_imports",
]
