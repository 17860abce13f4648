"""The documentation a reader of the repository has: every relative link in README.md and docs/*.md
leads to a file (and heading) inside the repository, and docs/api.md, the HTTP contract, lists exactly
the operations of the OpenAPI document with a success code the schema declares."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

from django.urls import path
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", ROOT / "BENCHMARKS.md", *sorted((ROOT / "docs").glob("*.md"))]
API_DOC = ROOT / "docs" / "api.md"
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")

FENCE = re.compile(r"^(```|~~~).*?^\1", re.MULTILINE | re.DOTALL)
CODE = re.compile(r"`[^`\n]*`")
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)


def _prose(text: str) -> str:
    """The text without code blocks and inline code, where brackets are not links."""
    return CODE.sub("", FENCE.sub("", text))


def _slug(heading: str) -> str:
    """A heading's anchor as GitHub writes it: lower case, punctuation dropped, spaces as hyphens."""
    text = re.sub(r"[^\w\- ]", "", heading.replace("`", "").strip().lower())
    return text.replace(" ", "-")


def _anchors(page: Path) -> set[str]:
    return {_slug(h) for h in HEADING.findall(FENCE.sub("", page.read_text()))}


def broken_links(page: Path, text: str | None = None) -> list[str]:
    """Each relative link of `page` (or of `text`, read as if at `page`) that leads outside the
    repository, to no file or to no heading."""
    broken = []
    for target in LINK.findall(_prose(page.read_text() if text is None else text)):
        if re.match(r"[a-z][a-z0-9+.-]*:", target):  # https:, mailto: ...
            continue
        file_part, _, anchor = target.partition("#")
        dest = (page.parent / file_part).resolve() if file_part else page
        if not dest.is_relative_to(ROOT) or not dest.exists():
            broken.append(f"{page.name}: {target} (no such file in the repository)")
        elif anchor and dest.suffix == ".md" and anchor not in _anchors(dest):
            broken.append(f"{page.name}: {target} (no such heading)")
    return broken


def test_every_link_resolves_inside_the_repository() -> None:
    assert [p for p in PAGES if p.exists()] == PAGES
    assert [b for page in PAGES for b in broken_links(page)] == []
    assert [p.name for p in PAGES if "../shared" in p.read_text()] == []


def test_the_link_check_catches_a_link_out_of_the_repository() -> None:
    text = "[API](../shared/API.md) [ok](api.md#accounts) [gone](api.md#no-such) `[x](nowhere.md)`\n"
    assert broken_links(ROOT / "docs" / "probe.md", text) == [
        "probe.md: ../shared/API.md (no such file in the repository)",
        "probe.md: api.md#no-such (no such heading)",
    ]


def _normalise(route: str) -> str:
    return re.sub(r"\{[^}]*\}", "{}", route)


def documented_operations() -> dict[tuple[str, str], int]:
    """docs/api.md's rows `| METHOD /api/v1/path | body | answer |`: (method, path) → success code."""
    operations: dict[tuple[str, str], int] = {}
    for line in API_DOC.read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")] if line.startswith("|") else []
        if not cells or not cells[0].startswith(METHODS):
            continue
        row = re.fullmatch(r"(GET|POST|PUT|PATCH|DELETE) (/api/v1/\S+)", cells[0])
        code = re.match(r"(\d{3})\b", cells[-1])
        assert row and code, f"docs/api.md: one operation a row, its answer starting with a status code: {line}"
        key = (row[1], _normalise(row[2]))
        assert key not in operations, f"docs/api.md lists {key} twice"
        operations[key] = int(code[1])
    return operations


def schema_operations(urlconf: object = None) -> dict[tuple[str, str], set[int]]:
    """The OpenAPI document's operations under /api/v1/: (method, path) → the status codes it declares."""
    schema = SchemaGenerator(urlconf=urlconf).get_schema(request=None, public=True)
    return {
        (method.upper(), _normalise(route)): {int(c) for c in op["responses"] if c.isdigit()}
        for route, item in schema["paths"].items()
        if route.startswith("/api/v1/")
        for method, op in item.items()
        if method.upper() in METHODS
    }


def test_api_doc_lists_exactly_the_schemas_operations() -> None:
    documented, schema = documented_operations(), schema_operations()
    assert sorted(set(schema) - set(documented)) == [], "in the schema but not in docs/api.md"
    assert sorted(set(documented) - set(schema)) == [], "in docs/api.md but not in the schema"
    wrong = {op: (code, sorted(schema[op])) for op, code in documented.items() if code not in schema[op]}
    assert wrong == {}, "docs/api.md's success code is not one the schema declares"
    assert all(200 <= code < 300 for code in documented.values())


class _Undocumented(APIView):
    @extend_schema(responses={200: OpenApiResponse(description="Anything.")})
    def get(self, request: object) -> Response:
        return Response({})


def test_an_endpoint_added_to_the_urls_without_docs_is_caught() -> None:
    from config.urls import urlpatterns

    routes = [*urlpatterns, path("api/v1/undocumented/<int:thing_id>", _Undocumented.as_view())]
    schema = schema_operations(SimpleNamespace(urlpatterns=routes))
    assert sorted(set(schema) - set(documented_operations())) == [("GET", "/api/v1/undocumented/{}")]
