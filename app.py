"""Stride Lab: the router. Page config, thread bound, navigation over the lessons that exist."""

import streamlit as st

from stride_core.device import bound_threads
from ui import GROUPS, available_lessons

st.set_page_config(page_title="Stride Lab", page_icon=":material/grid_4x4:", layout="wide")


# torch's thread setting is per OS thread and Streamlit runs each script in a fresh one: bound it
# on every run (it costs microseconds).
bound_threads()

home = st.Page("home.py", title="Home", icon=":material/home:", default=True, url_path="home")
sections: dict[str, list[st.Page]] = {"Stride Lab": [home]}
for group in GROUPS:
    pages = [st.Page(x.file, title=x.title, icon=x.icon, url_path=x.slug) for x in available_lessons() if x.group == group]
    if pages:
        sections[group] = pages

st.navigation(sections).run()
