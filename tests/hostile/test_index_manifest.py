"""Issue 17's runner items: the index is an autoescaped Jinja2 template found through
``crmlab._paths``; the manifest's package list is derived from crmlab's declared requirements."""

from __future__ import annotations

import html.parser
import importlib.metadata
import shutil

from hypothesis import given, settings
from hypothesis import strategies as st

from crmlab import _paths
from crmlab.report import html as report_html
from crmlab.report import index as report_index
from crmlab.report import manifest

ALLOWED_TAGS = {
    "html", "head", "meta", "title", "style", "body", "h1", "p", "table", "thead", "tbody",
    "tr", "th", "td", "a", "div", "span", "br", "em",
}  # fmt: skip


class _Page(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))

    def handle_data(self, data):
        self.text.append(data)


def _render(tmp_path, title, value, message, stem="00_x"):
    path = tmp_path / "index.html"
    report_html.write_index(
        path,
        {"run_id": title, "started_at": "2026-01-01T00:00:00Z", "crmlab_version": "0"},
        [
            {
                "notebook": stem,
                "title": title,
                "status": "failed",
                "duration_s": 1.0,
                "parameters": {"brand": value, title: 1},
                "overrides": ["brand"],
                "error": {"message": message},
                "outputs": [f"{stem}.client.html", f"{stem}.html"],
            }
        ],
    )
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page, path.read_text(encoding="utf-8")


HOSTILE_TEXT = st.one_of(
    st.sampled_from(
        [
            '<img src=x onerror="alert(1)">',
            "<svg onload=alert(1)>",
            "</td></tr></table><script>alert(1)</script>",
            '" onmouseover="alert(1)',
            "Müller & Söhne *Premium* $5 | a_b \\",
            "{{ 7 * 7 }} {% raw %}",
            "<!-- --><![CDATA[x]]>",
        ]
    ),
    st.text(min_size=1, max_size=40),
)


@settings(max_examples=80, deadline=None)
@given(title=HOSTILE_TEXT, value=HOSTILE_TEXT, message=HOSTILE_TEXT)
def test_every_value_in_the_index_is_text(tmp_path_factory, title, value, message):
    page, source = _render(tmp_path_factory.mktemp("index"), title, value, message)
    assert {tag for tag, _ in page.tags} <= ALLOWED_TAGS
    for tag, attrs in page.tags:
        for name, _ in attrs:
            assert not name.startswith("on"), (tag, name)
    text = "".join(page.text)
    for shown in (title, message):
        assert shown.replace("\r", "\n").strip() in text.replace("\r", "\n")


def test_the_index_template_is_found_through_paths(tmp_path, monkeypatch):
    copy = tmp_path / "templates"
    shutil.copytree(_paths.templates_dir(), copy)
    page = copy / "run_index" / "index.html.j2"
    page.write_text(
        page.read_text(encoding="utf-8").replace("<h1>crmlab reports</h1>", "<h1>patched</h1>"),
        encoding="utf-8",
    )
    monkeypatch.setattr(report_index, "templates_dir", lambda: copy)
    report_index._environment.cache_clear()
    try:
        _, source = _render(tmp_path, "t", "v", "")
    finally:
        report_index._environment.cache_clear()
    assert "<h1>patched</h1>" in source


def test_templates_dir_names_the_package_folder():
    folder = _paths.templates_dir()
    assert (folder / "run_index" / "index.html.j2").is_file()
    assert (folder / "crmlab_report" / "conf.json").is_file()


def test_manifest_packages_follow_the_declared_requirements(monkeypatch):
    monkeypatch.setattr(
        manifest,
        "requires",
        lambda name: [
            "pandas>=2.2",
            "Scikit_Learn>=1.4",
            "not-installed-anywhere>=1",
            "pytest>=8; extra == 'dev'",
            'pyspark>=3.5 ; extra == "spark"',
            "numpy>=1.26; python_version >= '3.11'",
        ],
    )
    packages = manifest.environment()["packages"]
    assert packages == {
        "numpy": importlib.metadata.version("numpy"),
        "pandas": importlib.metadata.version("pandas"),
        "scikit-learn": importlib.metadata.version("scikit-learn"),
        "not-installed-anywhere": None,
    }


def test_manifest_records_every_installed_runtime_requirement():
    declared = importlib.metadata.requires("crmlab")
    packages = manifest.environment()["packages"]
    runtime = [r for r in declared if "extra ==" not in r]
    assert len(packages) == len(runtime)
    for name in ("scikit-learn", "duckdb", "pyarrow", "papermill"):  # the old hand list missed two
        assert packages[name] == importlib.metadata.version(name)
    assert "pytest" not in packages and "ruff" not in packages


def test_pyproject_declares_jinja2_for_the_index():
    import tomllib

    pyproject = _paths._PACKAGE.parent / "pyproject.toml"
    deps = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["dependencies"]
    assert any(d.lower().startswith("jinja2") for d in deps)
