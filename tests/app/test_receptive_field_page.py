"""The Receptive field page: defaults, every network, removing steps, units, stacks, uploads, URL parameters."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from stride_core import networks as N
from stride_core.receptive_field import receptive_field, rf_box
from tests.helpers import metrics, open_lesson

PAGE = "lessons/09_receptive_field.py"
NETS = {k: v[0] for k, v in N.NETWORKS.items()} | {"stack": "Build your own stack"}


def open_page(**query: str):
    """The page with these link values; a network is named in the link by its title, as the widget shows it."""
    if "net" in query:
        query["net"] = NETS.get(query["net"], query["net"])
    return open_lesson(PAGE, **query)


def text(at) -> str:
    return " ".join([m.value for m in at.markdown] + [c.value for c in at.caption])


def png(w: int, h: int) -> bytes:
    buf = io.BytesIO()
    Image.new("L", (w, h), 90).save(buf, "PNG")
    return buf.getvalue()


def test_defaults():
    at = open_page()
    m = metrics(at)
    assert (m["Receptive field r"], m["Jump (effective stride)"], m["Output size"]) == ("435×435", "32×32", "7×7")
    assert "224×224 → 112×112 → 56×56 → 28×28 → 14×14 → 7×7 in 5 downsampling steps of stride 2" in text(at)
    assert at.success and "linearised network" in at.success[0].value  # the verification badge
    assert "Unit (3, 3) depends on input rows -121…313" in text(at)
    assert "r = 212, jump 32, padding 90" in text(at)  # ours next to Araujo et al.'s
    assert not at.warning and not at.error


@pytest.mark.parametrize("net", list(N.NETWORKS))
def test_every_network(net):
    at = open_page(net=net, erf="false")
    rf = receptive_field(N.build(net, device="meta"), 224)
    m = metrics(at)
    assert (
        m["Receptive field r"] == f"{rf.size[0]}×{rf.size[1]}"
        and m["Output size"] == f"{rf.out_size[0]}×{rf.out_size[1]}"
    )
    i, j = rf.out_size[0] // 2, rf.out_size[1] // 2
    t, l, b, r = rf_box(rf, i, j)
    assert f"Unit ({i}, {j}) depends on input rows {t}…{b} and columns {l}…{r}" in text(at)
    assert not at.error and not at.warning


@pytest.mark.parametrize("net", ["alexnet", "lenet", "mobilenet_v2"])
def test_effective_field_and_badge(net):
    at = open_page(net=net, size="128")
    assert at.success and "matches" in at.success[0].value
    assert any("Half of its total sits in" in c.value for c in at.caption)


def test_remove_a_step():
    at = open_page(erf="false")
    pills = at.button_group(key="off")
    assert pills.options[-1] == "5: layer4.0.conv1 + shortcut (stride 2)"
    pills.set_value([pills.options[-1]]).run()
    m = metrics(at)
    assert (m["Output size"], m["Jump (effective stride)"]) == ("14×14", "16×16")
    assert not at.exception and not at.error
    at.radio(key="by").set_value("stride 1, then a max pool").run()
    assert metrics(at)["Output size"] == "7×7"


def test_layer_table():
    at = open_page(net="alexnet", erf="false")
    assert not at.dataframe
    at.toggle(key="show_table").set_value(True).run()
    rows = at.dataframe[0].value
    assert rows["layer"].tolist()[:2] == ["features.0", "features.2"] and rows["output"].tolist()[-1] == "6×6"
    assert rows["r"].tolist()[-1] == "195×195" and rows["multiply-adds"].tolist()[0] == 55 * 55 * 11 * 11 * 3 * 64


def test_unit_controls():
    at = open_page(erf="false")
    at.number_input(key="ui").set_value(0).run()
    at.number_input(key="uj").set_value(6).run()
    assert "Unit (0, 6) depends on input rows -217…217 and columns -25…409" in text(at)


def test_stack_and_bad_stack():
    at = open_page(net="stack", stack="conv k5 s2 p2, max k3 s2 p1, conv k3 s1 p1 d2", size="64")
    assert metrics(at)["Receptive field r"] == "25×25" and metrics(at)["Output size"] == "14×14"  # 5 + 2·2 + 4·4
    assert at.success
    at = open_page(net="stack", stack="conv k3 q9")
    assert at.error and "cannot read" in at.error[0].value and "Example" in at.error[0].value


def test_too_small_input_is_explained():
    at = open_page(net="alexnet", size="32")
    assert at.error and "Choose a larger input size" in at.error[0].value


def test_upload():
    at = open_page(net="lenet", size="64")
    at.selectbox(key="img").set_value("upload").run()
    at.file_uploader[0].set_value(("photo.png", png(50, 40), "image/png")).run()
    assert not at.exception and at.success and "your image" in text(at)


def test_predict_questions_follow_the_network():
    at = open_page(net="vgg16", erf="false")
    qs = [m.value for m in at.markdown if m.value.startswith("**Predict")]
    assert len(qs) == 2 and "212 columns wide" in qs[1]


def test_invalid_link_values_notice():
    at = open_page(net="googlenet", ui="99", erf="false")
    assert at.selectbox(key="net").value == "resnet18"
    assert at.warning and "net=googlenet" in at.warning[0].value


def test_single_unit_output():
    at = open_page(net="stack", stack="conv k3 s8, conv k3 s8", size="28", erf="false")
    assert metrics(at)["Output size"] == "1×1" and "The output has a single unit." in text(at)
    qs = [m.value for m in at.markdown if m.value.startswith("**Predict")]
    assert len(qs) == 1 and "8 input pixels apart" in qs[0]  # no neighbours to share columns with


def test_shortcut_legend_only_with_shortcuts():
    assert "Hollow markers" in text(open_page(net="resnet50", erf="false"))
    assert "Hollow markers" not in text(open_page(net="vgg16", erf="false"))
