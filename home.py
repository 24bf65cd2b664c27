"""Home: what Stride Lab is, the lesson map, the device, and how to use it in class."""

import streamlit as st
import torch

from stride_core.device import default_device
from ui import GROUPS, available_lessons
from ui.classroom import current_room, join_box, join_form, leave_room, nickname_box, teacher_view

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

st.subheader("Class room")
room = current_room()
with st.container(border=True):
    if room is None:
        st.markdown(
            "Start a room to turn every predict-then-reveal question into a live poll of your class: students join "
            "with a 6-character code or a QR code, answer without an account or a name, and see the answer and the "
            "class's spread when you reveal it."
        )
        if st.button("Start a class room", icon=":material/co_present:"):
            st.query_params["room"] = "new"
            st.rerun()
        join_form()
    else:
        join_box(room)
        nickname_box(room)  # students only: the teacher's own view lists it
        if room.teacher:
            teacher_view(room)
        st.button("Leave the room", on_click=leave_room)

st.subheader("How to use this in class")
st.markdown(
    "1. **Start a class room** above (or open `/?room=new`): your browser gets the teacher link; bookmark it and "
    "keep it private.\n"
    "2. Open a lesson and set it up the way you want to discuss it. Every lesson keeps its main controls in the page "
    "address, and the QR code carries them: students who scan it, or type the code, land on the same lesson with "
    "the same settings.\n"
    "3. Ask the class to predict before you move a slider. Each predict-then-reveal question is a poll: you see the "
    "live counts, press **Reveal** when ready, and every student's page shows the answer and the class's chart. "
    "Turn on **Presenter mode** for the projector.\n\n"
    "The green badges show that each result was checked against PyTorch's own operator, so the discussion can stay "
    "on *why*. Without a room everything works the same, and predictions stay private.\n\n"
    "Students can upload their own photo (up to 8 MB) where a lesson uses images. Stride Lab decodes it in memory "
    "and never saves it; while a file larger than 1 MB is arriving, the web server buffers it in a temporary file, "
    "which it deletes as soon as the upload is complete (the shipped Docker and Kubernetes setups keep that "
    "temporary folder in memory)."
)

dev = default_device()
name = torch.cuda.get_device_name(dev) if dev.type == "cuda" else dev.type
st.caption(
    f"Computing on **{name}** with PyTorch {torch.__version__}, {torch.get_num_threads()} thread(s) per computation."
)
