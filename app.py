"""Stride Lab: the router. Page config, thread bound, navigation over the lessons that exist."""

import streamlit as st

from stride_core.device import bound_threads
from ui import GROUPS, available_lessons, warm_imports

st.set_page_config(page_title="Stride Lab", page_icon=":material/grid_4x4:", layout="wide")


# Cheap after the first run: one torch thread per computation, and every module imported once
# before sessions start running lesson pages side by side.
bound_threads()
warm_imports()

home = st.Page("home.py", title="Home", icon=":material/home:", default=True, url_path="home")
sections: dict[str, list[st.Page]] = {"Stride Lab": [home]}
for group in GROUPS:
    pages = [
        st.Page(x.file, title=x.title, icon=x.icon, url_path=x.slug) for x in available_lessons() if x.group == group
    ]
    if pages:
        sections[group] = pages

st.navigation(sections).run()
