"""Published advisories for the pinned versions, as PyPI's JSON API lists them (`make audit`).

PyPI attaches known vulnerabilities (from the OSV database) to each release in its JSON API. For
every `name==version` pin in requirements*.txt this asks the registry for that release and prints
one row: the advisories listed for the pinned version, or why it could not be checked. Only the
package registry is contacted. Exit status 1 if any pinned version has an advisory.
"""

from __future__ import annotations

import json
import re
import sys
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PIN = re.compile(r"^([A-Za-z0-9_.\-]+)==([^\s;#]+)")


def pins() -> list[tuple[str, str]]:
    out = []
    for f in sorted(ROOT.glob("requirements*.txt")):
        for line in f.read_text().splitlines():
            if m := PIN.match(line.strip()):
                out.append((m.group(1), m.group(2)))
    return out


def _get(url: str) -> dict | None:
    try:
        with urllib.request.urlopen(url, timeout=20) as r:
            return json.load(r)
    except (urllib.error.URLError, TimeoutError, json.JSONDecodeError):
        return None


def advisories(name: str, version: str) -> tuple[list[str] | None, str]:
    """(advisory ids for name==version, or None if unknown; how it was checked)."""
    release = _get(f"https://pypi.org/pypi/{name}/{version}/json")
    if release is not None:
        return [v.get("id", "?") for v in release.get("vulnerabilities") or []], "release entry"
    project = _get(f"https://pypi.org/pypi/{name}/json")
    if project is None:
        return None, "registry not reachable"
    latest = project["info"]["version"]
    if latest == version:  # the project entry carries the latest release's advisories
        return [v.get("id", "?") for v in project.get("vulnerabilities") or []], "latest release"
    return None, f"not the latest ({latest}); this registry does not serve per-release entries"


def main() -> int:
    print("| package | pinned | advisories | checked via |\n|---|---|---|---|")
    found = False
    for name, version in pins():
        ids, how = advisories(name, version)
        found |= bool(ids)
        shown = "unknown" if ids is None else (", ".join(ids) or "none")
        print(f"| {name} | {version} | {shown} | {how} |")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
