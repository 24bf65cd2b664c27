"""The foundation's rules: stride_core never imports streamlit; device choice; verification."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from stride_core import ValueCheckError
from stride_core.device import bound_threads, default_device
from stride_core.verify import compare

ROOT = Path(__file__).resolve().parents[2]


class TestLayering:
    def test_no_streamlit_import_in_source(self):
        offenders = []
        for path in [*(ROOT / "stride_core").rglob("*.py"), *(ROOT / "classroom").rglob("*.py")]:
            for node in ast.walk(ast.parse(path.read_text())):
                names = (
                    [a.name for a in node.names]
                    if isinstance(node, ast.Import)
                    else [node.module or ""]
                    if isinstance(node, ast.ImportFrom)
                    else []
                )
                if any(n == "streamlit" or n.startswith("streamlit.") for n in names):
                    offenders.append(str(path.relative_to(ROOT)))
        assert not offenders, f"stride_core and classroom must not import streamlit: {offenders}"

    def test_importing_every_module_does_not_load_streamlit(self):
        mods = sorted(
            "stride_core." + ".".join(p.relative_to(ROOT / "stride_core").with_suffix("").parts)
            for p in (ROOT / "stride_core").rglob("*.py")
            if p.name != "__init__.py"
        )
        code = (
            "import sys, importlib\n"
            + "".join(f"importlib.import_module({m!r})\n" for m in mods)
            + "print('streamlit' in sys.modules)"
        )
        out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert out.returncode == 0, out.stderr
        assert out.stdout.strip() == "False"


class TestDefaultDevice:
    def test_default(self, monkeypatch):
        monkeypatch.delenv("STRIDE_LAB_DEVICE", raising=False)
        expected = "cuda" if torch.cuda.is_available() else ("mps" if torch.backends.mps.is_available() else "cpu")
        assert default_device().type == expected

    def test_override(self, monkeypatch):
        monkeypatch.setenv("STRIDE_LAB_DEVICE", "cpu")
        assert default_device() == torch.device("cpu")

    @pytest.mark.parametrize("value", ["gpu0", "tpu"])
    def test_exception(self, monkeypatch, value):
        monkeypatch.setenv("STRIDE_LAB_DEVICE", value)
        with pytest.raises(ValueCheckError):
            default_device()

    @pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
    def test_missing_cuda(self, monkeypatch):
        monkeypatch.setenv("STRIDE_LAB_DEVICE", "cuda")
        with pytest.raises(ValueCheckError, match="no CUDA"):
            default_device()


def test_bound_threads(monkeypatch):
    before = torch.get_num_threads()
    try:
        monkeypatch.setenv("STRIDE_LAB_THREADS", "2")
        assert bound_threads() == 2
        assert bound_threads(1) == 1
    finally:
        torch.set_num_threads(before)


class TestCompare:
    def test_agree(self, device, dtype):
        a = torch.randn(3, 4, dtype=dtype, device=device)
        got = compare(a, a.clone())
        assert got.ok and got.max_abs == 0.0

    def test_disagree(self, device):
        a = torch.zeros(3, device=device, dtype=torch.float64)
        b = a.clone()
        b[1] = 1e-3
        got = compare(a, b)
        assert not got.ok and got.max_abs == pytest.approx(1e-3)

    def test_shape_mismatch(self):
        got = compare(torch.zeros(2, 3), torch.zeros(3, 2))
        assert not got.ok and got.shape_a == (2, 3) and got.shape_b == (3, 2)
