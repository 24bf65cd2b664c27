"""The deployment files are checked, not only written (issue 18).

- Every document of every manifest under deploy/k8s/ (examples/ too) validates, strictly (no unknown
  fields), against the Kubernetes API schemas that kubernetes-validate bundles: offline.
- deploy/docker-compose.yml parses; its PostgreSQL service has a volume and a pg_isready health
  check; every replica waits for it to be healthy and its STRIDE_LAB_DB names that service, its
  user, database and password.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path

import kubernetes_validate
import pytest
import yaml
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
COMPOSE = ROOT / "deploy" / "docker-compose.yml"
K8S_VERSION = "1.33"  # a release current clusters run; the schemas ship with kubernetes-validate

MANIFESTS = sorted(p for p in K8S.rglob("*") if p.suffix in (".yaml", ".yml"))


def _documents(path: Path) -> list[dict]:
    return [d for d in yaml.safe_load_all(path.read_text()) if d is not None]


def _all_resources() -> list[dict]:
    return [d for p in MANIFESTS for d in _documents(p)]


def _one(kind: str, name: str | None = None) -> dict:
    found = [d for d in _all_resources() if d["kind"] == kind and (name is None or d["metadata"]["name"] == name)]
    assert len(found) == 1, f"expected one {kind} {name or ''} in deploy/k8s, found {len(found)}"
    return found[0]


class TestKubernetes:
    def test_manifests_exist(self):
        kinds = {d["kind"] for d in _all_resources()}
        assert {"Deployment", "Service", "Ingress", "HorizontalPodAutoscaler", "Secret"} <= kinds

    @pytest.mark.parametrize("path", MANIFESTS, ids=[str(p.relative_to(K8S)) for p in MANIFESTS])
    def test_valid_against_api_schema(self, path):
        docs = _documents(path)
        assert docs, f"{path} has no documents"
        for doc in docs:
            kubernetes_validate.validate(doc, K8S_VERSION, strict=True)

    def test_validator_rejects_a_broken_manifest(self):
        """The check above can fail: a wrong type and an unknown field are both refused."""
        bad = copy.deepcopy(_one("Deployment"))
        bad["spec"]["replicas"] = "two"
        with pytest.raises(kubernetes_validate.ValidationError):
            kubernetes_validate.validate(bad, K8S_VERSION, strict=True)
        bad = copy.deepcopy(_one("Deployment"))
        bad["spec"]["template"]["spec"]["containers"][0]["envv"] = []
        with pytest.raises(kubernetes_validate.ValidationError):
            kubernetes_validate.validate(bad, K8S_VERSION, strict=True)

    def test_deployment_reads_the_database_url_from_the_secret(self):
        container = _one("Deployment", "stride-lab")["spec"]["template"]["spec"]["containers"][0]
        env = {e["name"]: e for e in container["env"]}
        ref = env["STRIDE_LAB_DB"]["valueFrom"]["secretKeyRef"]
        assert ref["name"] == "stride-lab-db" and not ref.get("optional", False)
        secret = _one("Secret", ref["name"])
        url = make_url(secret["stringData"][ref["key"]])
        assert url.get_backend_name() == "postgresql" and url.get_driver_name() == "psycopg"

    def test_example_secret_is_not_applied_with_the_directory(self):
        """`kubectl apply -f deploy/k8s/` does not recurse: the placeholder Secret must sit in a subfolder."""
        top = [d for p in K8S.glob("*.y*ml") for d in _documents(p)]
        assert not any(d["kind"] == "Secret" for d in top)


_VAR = re.compile(r"\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[?-])(?P<arg>[^}]*))?\}")


def _interpolate(value: str, env: dict[str, str]) -> str:
    """Compose's ${VAR}, ${VAR:-default} and ${VAR:?error} substitution."""

    def sub(m: re.Match) -> str:
        name, op, arg = m.group("name"), m.group("op"), m.group("arg")
        if env.get(name):
            return env[name]
        if op in (":?", "?"):
            raise KeyError(f"{name}: {arg}")
        return arg if op in (":-", "-") else ""

    return _VAR.sub(sub, value)


def _compose(env: dict[str, str]) -> dict:
    def walk(node):
        if isinstance(node, dict):
            return {k: walk(v) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v) for v in node]
        return _interpolate(node, env) if isinstance(node, str) else node

    return walk(yaml.safe_load(COMPOSE.read_text()))


# Every variable the file uses gets a value (other required settings may be added), ours a specific one.
ENV = {m.group("name"): f"value-of-{m.group('name')}" for m in _VAR.finditer(COMPOSE.read_text())}
ENV.update({"STRIDE_LAB_COOKIE_SECRET": "c" * 64, "STRIDE_LAB_DB_PASSWORD": "0123abcd" * 6})


def _environment(service: dict) -> dict[str, str]:
    env = service.get("environment", {})
    if isinstance(env, list):
        env = dict(x.split("=", 1) for x in env)
    return {k: str(v) for k, v in env.items()}


class TestCompose:
    def test_services(self):
        c = _compose(ENV)
        assert {"app", "nginx", "postgres"} <= set(c["services"])

    def test_postgres_service(self):
        c = _compose(ENV)
        pg = c["services"]["postgres"]
        assert pg["image"] == "postgres:16"
        assert "ports" not in pg, "the database must not be published on the host"
        test = pg["healthcheck"]["test"]
        assert test[0] in ("CMD", "CMD-SHELL") and "pg_isready" in " ".join(test)
        volumes = [v.split(":") for v in pg["volumes"]]
        data = [v for v in volumes if v[1] == "/var/lib/postgresql/data"]
        assert data and data[0][0] in c["volumes"], "the data directory must be a named volume"
        assert _environment(pg)["POSTGRES_PASSWORD"] == ENV["STRIDE_LAB_DB_PASSWORD"]

    def test_every_replica_uses_the_postgres_service(self):
        c = _compose(ENV)
        pg = c["services"]["postgres"]
        pg_env = _environment(pg)
        replicas = {
            n: s for n, s in c["services"].items() if s.get("build") or str(s.get("image", "")).startswith("stride-lab")
        }
        assert replicas, "no replica service found"
        for name, svc in replicas.items():
            url = make_url(_environment(svc)["STRIDE_LAB_DB"])
            assert url.get_backend_name() == "postgresql" and url.get_driver_name() == "psycopg", name
            assert url.host == "postgres" and (url.port or 5432) == 5432, name
            assert url.username == pg_env["POSTGRES_USER"] and url.database == pg_env["POSTGRES_DB"], name
            assert url.password == pg_env["POSTGRES_PASSWORD"], name
            assert svc["depends_on"]["postgres"]["condition"] == "service_healthy", name

    def test_healthy_dependencies_have_health_checks(self):
        c = _compose(ENV)
        for name, svc in c["services"].items():
            deps = svc.get("depends_on", {})
            for dep, cond in deps.items() if isinstance(deps, dict) else []:
                if cond.get("condition") == "service_healthy":
                    assert "healthcheck" in c["services"][dep], f"{name} waits for {dep}, which has no health check"

    def test_password_is_required(self):
        with pytest.raises(KeyError, match="STRIDE_LAB_DB_PASSWORD"):
            _compose({k: v for k, v in ENV.items() if k != "STRIDE_LAB_DB_PASSWORD"})


def test_cluster_replicas_share_one_data_directory():
    """deploy/cluster.sh gives every replica the same STRIDE_LAB_DATA (one SQLite file on the machine)."""
    script = (ROOT / "deploy" / "cluster.sh").read_text()
    body = script[script.index("start_replica() {") : script.index("write_nginx_conf() {")]
    assert 'STRIDE_LAB_DATA="$DATA_DIR"' in body
    assert re.search(r'^DATA_DIR="\$\{STRIDE_LAB_DATA:-\$ROOT/\.stride-lab\}"$', script, re.M)
