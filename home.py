"""Home: what Stride Lab is, the lesson map, the device, and how to use it in class."""

import streamlit as st
import torch

from stride_core.device import default_device
from ui import GROUPS, available_lessons

st.title("Stride Lab")
st.markdown(
    "A convolution with stride *s* does not look at every position: it jumps *s* pixels between "
    "windows. That one choice shrinks the output, saves compute, can skip pixels entirely, "
    "changes what the gradient looks like and lets high frequencies masquerade as low ones. "
    "Each lesson below turns one of these facts into something you can move, see and check "
    "against PyTorch."
)

for group in GROUPS:
    lessons = [x for x in available_lessons() if x.group == group]
    if not lessons:
        continue
    st.subheader(group)
    cols = st.columns(min(3, len(lessons)))
    for i, x in enumerate(lessons):
        with cols[i % len(cols)].container(border=True):
            st.page_link(x.file, label=f"**{x.title}**", icon=x.icon)
            st.markdown(x.teaches)
            st.caption("From: " + "; ".join(x.sources) + ".")

st.subheader("How to use this in class")
st.markdown(
    "Open a lesson on the projector and set it up the way you want to discuss it: every lesson "
    "keeps its main controls in the page address, so copying the browser's URL gives you a link "
    "that opens exactly that configuration for every student. Ask the class to predict what a "
    "change will do before moving the slider; the green badges show that each result was "
    "checked against PyTorch's own operator, so the discussion can stay on *why*. Students can "
    "upload their own photo where a lesson uses images; uploads stay in memory and are never saved."
)

dev = default_device()
name = torch.cuda.get_device_name(dev) if dev.type == "cuda" else dev.type
st.caption(
    f"Computing on **{name}** with PyTorch {torch.__version__}, {torch.get_num_threads()} thread(s) per computation."
)
