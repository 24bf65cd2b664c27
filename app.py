"""Stride Lab: the router. Page config, thread bound, navigation over the lessons that exist."""

from pathlib import Path

import streamlit as st

from stride_core.device import bound_threads
from ui import GROUPS, available_lessons, warm_imports

# A shipped file: a ":material/…:" page icon makes every browser fetch it from fonts.gstatic.com.
ICON = str(Path(__file__).resolve().parent / "assets" / "icon.png")
st.set_page_config(page_title="Stride Lab", page_icon=ICON, layout="wide")


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

# Our own menu instead of Streamlit's sidebar navigation, whose list markup puts <div>s between
# <ul> and <li> (axe-core: "list" and "listitem", serious): page links, grouped under headings.
current = st.navigation(sections, position="hidden")
# KaTeX gives display formulas their own horizontal scroll box; a formula a pixel wider than the
# column then becomes a scrollable region no keyboard can reach (axe: scrollable-region-focusable).
# Our own fixed CSS (nothing a user typed): formulas stay unclipped instead.
st.html("<style>.katex-display { overflow: visible !important; }</style>")
with st.sidebar:
    for group, pages in sections.items():
        st.markdown(f"**{group}**")
        for page in pages:
            st.page_link(page)
current.run()
