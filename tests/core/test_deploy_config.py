"""The shipped configuration agrees with itself (issue 13): one upload limit, headers, limits, tmpfs.

Before issue 13 the browser refused files over 20,000,000 bytes while the server, images.MAX_BYTES
and nginx allowed 20 MiB; the limit now lives in stride_core.images.MAX_UPLOAD_MB and every copy
of it is checked here. The nginx checks read deploy/nginx.conf as text; the served headers are
checked through a running nginx in tests/e2e/test_cluster.py.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

from stride_core.images import MAX_BYTES, MAX_UPLOAD_MB

ROOT = Path(__file__).resolve().parents[2]
CONFIG = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
NGINX = (ROOT / "deploy" / "nginx.conf").read_text()
MIB = 1024 * 1024
ENVELOPE = 1024 * 1024  # Streamlit's _MAX_UPLOAD_MULTIPART_OVERHEAD_BYTES


def _nginx_size(value: str) -> int:
    number, unit = re.fullmatch(r"(\d+)([kKmMgG]?)", value).groups()
    return int(number) * {"": 1, "k": 1024, "m": MIB, "g": 1024 * MIB}[unit.lower()]


def _location(prefix: str) -> str:
    """The body of the nginx location block whose header contains `prefix`."""
    m = re.search(r"location\s+[=^~]*\s*" + re.escape(prefix) + r"\s*\{(.*?)\n\s*\}", NGINX, re.S)
    assert m, f"no location {prefix} in deploy/nginx.conf"
    return m.group(1)


class TestUploadLimit:
    def test_one_limit(self):
        assert CONFIG["server"]["maxUploadSize"] == MAX_UPLOAD_MB
        assert MAX_BYTES == MAX_UPLOAD_MB * 1_000_000  # the browser's unit (Streamlit's frontend: MB = 10^6 bytes)

    def test_every_layer_accepts_what_the_browser_sends(self):
        browser = MAX_UPLOAD_MB * 1_000_000
        server = CONFIG["server"]["maxUploadSize"] * MIB  # Streamlit's upload handler counts MiB
        proxy = _nginx_size(re.search(r"client_max_body_size\s+(\S+);", NGINX).group(1))
        assert browser == MAX_BYTES <= server
        assert server + ENVELOPE >= proxy >= browser + ENVELOPE  # room for the multipart envelope, not much more
        assert proxy <= 2 * browser

    def test_no_twenty_left(self):
        for path in ("deploy/nginx.conf", ".streamlit/config.toml", "ui/images.py", "stride_core/images.py"):
            text = (ROOT / path).read_text()
            assert not re.search(r"\b(20|21) ?(MB|MiB|m\b)", text), f"an old 20 MB limit is left in {path}"


class TestStreamlitConfig:
    def test_websocket_messages_bounded(self):
        assert CONFIG["server"]["maxWidgetStateSize"] <= 1  # MB; Streamlit's default 25 let a 20 MB text through

    def test_allowed_hosts(self):
        hosts = CONFIG["server"]["allowedHosts"]
        assert hosts and "*" not in hosts and "localhost" in hosts

    def test_protections_on(self):
        assert CONFIG["server"]["enableXsrfProtection"] is True and CONFIG["server"]["enableCORS"] is True
        assert CONFIG["client"]["showErrorDetails"] in ("type", "none")


class TestNginx:
    def test_security_headers(self):
        server = NGINX[NGINX.index("server {") :]
        for header in ('X-Content-Type-Options "nosniff"', 'Referrer-Policy "same-origin"', "frame-ancestors 'self'"):
            assert header in server, header
        # add_header in a location would silently drop the server's headers for that location.
        for body in re.findall(r"location[^{]*\{(.*?)\n\s*\}", NGINX, re.S):
            assert "add_header" not in body

    def test_metrics_denied(self):
        assert re.search(r"return\s+40[34]", _location("/_stcore/metrics"))

    def test_rate_limits(self):
        upload = _location("/_stcore/upload_file/")
        assert "limit_req zone=uploads_per_session" in upload and "limit_req zone=uploads_per_address" in upload
        stream = _location("/_stcore/stream")
        assert "limit_conn conns_per_address" in stream and "limit_req zone=streams_per_address" in stream

    def test_tls_example(self):
        assert "Strict-Transport-Security" in NGINX and "Secure" in NGINX and "proxy_cookie_flags" in NGINX


class TestTemporaryFilesInMemory:
    """Starlette spools upload bodies over 1 MB to a temporary file: it must be a tmpfs."""

    def test_dockerfile(self):
        assert re.search(r"TMPDIR=/dev/shm", (ROOT / "deploy" / "Dockerfile").read_text())

    def test_compose(self):
        app = yaml.safe_load((ROOT / "deploy" / "docker-compose.yml").read_text())["services"]["app"]
        assert _nginx_size(app["shm_size"].rstrip("b")) >= 64 * MIB
        assert "STREAMLIT_SERVER_ALLOWED_HOSTS" in app["environment"]

    def test_k8s(self):
        spec = yaml.safe_load((ROOT / "deploy" / "k8s" / "deployment.yaml").read_text())["spec"]["template"]["spec"]
        volumes = {v["name"]: v for v in spec["volumes"]}
        container = spec["containers"][0]
        mount = next(m for m in container["volumeMounts"] if m["mountPath"] == "/dev/shm")
        assert volumes[mount["name"]]["emptyDir"]["medium"] == "Memory"
        assert any(e["name"] == "STREAMLIT_SERVER_ALLOWED_HOSTS" for e in container["env"])
