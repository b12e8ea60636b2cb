"""Data Docs that work without internet and send nothing out (imported only through :mod:`expectations._gx`).

GX 1.24.1's page templates load Bootstrap, bootstrap-table, jQuery, Popper, Font Awesome, the datepicker,
bootstrap-dark and Vega from public CDNs, and its navigation bar loads the GX logo from GX's S3 bucket with
the data context's id in the URL (``add_data_context_id_to_url``); the dark-mode CSS loads another logo from
there. Offline, a page shows an empty list (bootstrap-table draws the tables), and online every page view
tells outside servers who reads which report.

Here the same libraries come from the npm registry, pinned in ``package.json``/``package-lock.json`` and
installed by ``make setup`` (``npm ci`` into ``node_modules/``). :func:`install_assets` copies the files the
pages use into ``<data_docs>/static/vendor/`` and the site's views (:class:`OfflinePageView`,
:class:`OfflineIndexPageView`, configured through the site's ``view`` settings, a supported GX route) read
GX's own templates through :class:`_OfflineLoader`, which replaces every CDN URL by the relative path of the
local copy, drops the logo tracking and the outside links, and refuses a template that would still refer to
an outside URL (a GX upgrade that adds one fails the Data Docs build loudly instead of leaking).

Deviation from the CDN versions: Popper is 1.14.7, the version Bootstrap 4.3.1 declares as its peer (GX's
CDN tag loads 1.12.9, below that range); bootstrap-table's filter-control CSS comes from the same 1.19.1
package as its script (GX mixes 1.19.0 and 1.19.1). ``vega@5``, ``vega-lite@5`` and ``vega-embed@6`` (the
CDN serves the newest of each major) are pinned to the newest of those majors on 2026-12-07.
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from great_expectations.render.view import DefaultJinjaIndexPageView, DefaultJinjaPageView
from jinja2 import BaseLoader, TemplateError, pass_context

from core.settings import PROJECT_ROOT

if TYPE_CHECKING:
    from collections.abc import Callable

    from jinja2 import Environment
    from jinja2.runtime import Context

#: Where ``npm ci`` (``make setup``) installs the pinned packages.
NODE_MODULES = PROJECT_ROOT / "node_modules"
PACKAGE_JSON = PROJECT_ROOT / "package.json"
#: The local copies, relative to the Data Docs folder.
VENDOR = "static/vendor"


@dataclass(frozen=True)
class Asset:
    """One file of an npm package, copied to ``static/vendor/<package>/<path>`` of the Data Docs."""

    package: str
    path: str

    @property
    def local(self) -> str:
        """The copy's path relative to the Data Docs folder (no ``@`` in folder names)."""
        return f"{VENDOR}/{self.package.lstrip('@')}/{self.path}"


#: Every CDN URL in GX 1.24.1's Data Docs templates → the file of the pinned npm package that replaces it.
CDN_ASSETS: dict[str, Asset] = {
    "https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css": Asset(
        "bootstrap", "dist/css/bootstrap.min.css"),
    "https://stackpath.bootstrapcdn.com/bootstrap/4.3.1/js/bootstrap.min.js": Asset(
        "bootstrap", "dist/js/bootstrap.min.js"),
    "https://code.jquery.com/jquery-3.7.1.min.js": Asset("jquery", "dist/jquery.min.js"),
    "https://cdnjs.cloudflare.com/ajax/libs/popper.js/1.12.9/umd/popper.min.js": Asset(
        "popper.js", "dist/umd/popper.min.js"),
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.css": Asset(
        "bootstrap-table", "dist/bootstrap-table.min.css"),
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.js": Asset(
        "bootstrap-table", "dist/bootstrap-table.min.js"),
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.css":
        Asset("bootstrap-table", "dist/extensions/filter-control/bootstrap-table-filter-control.css"),
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.min.css":
        Asset("bootstrap-table", "dist/extensions/filter-control/bootstrap-table-filter-control.min.css"),
    "https://unpkg.com/bootstrap-table@1.19.1/dist/extensions/filter-control/bootstrap-table-filter-control.min.js":
        Asset("bootstrap-table", "dist/extensions/filter-control/bootstrap-table-filter-control.min.js"),
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/css/bootstrap-datepicker.min.css": Asset(
        "bootstrap-datepicker", "dist/css/bootstrap-datepicker.min.css"),
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/js/bootstrap-datepicker.min.js": Asset(
        "bootstrap-datepicker", "dist/js/bootstrap-datepicker.min.js"),
    "https://cdn.jsdelivr.net/npm/@forevolve/bootstrap-dark@1.1.0/dist/css/bootstrap-prefers-dark.css": Asset(
        "@forevolve/bootstrap-dark", "dist/css/bootstrap-prefers-dark.css"),
    "https://cdnjs.cloudflare.com/ajax/libs/font-awesome/6.6.0/css/all.min.css": Asset(
        "@fortawesome/fontawesome-free", "css/all.min.css"),
    "https://cdn.jsdelivr.net/npm/vega@5": Asset("vega", "build/vega.min.js"),
    "https://cdn.jsdelivr.net/npm/vega-lite@5": Asset("vega-lite", "build/vega-lite.min.js"),
    "https://cdn.jsdelivr.net/npm/vega-embed@6": Asset("vega-embed", "build/vega-embed.min.js"),
}  # fmt: skip

#: Files a copied stylesheet loads itself (Font Awesome's ``url(../webfonts/...)``).
EXTRA_ASSETS: tuple[Asset, ...] = tuple(
    Asset("@fortawesome/fontawesome-free", f"webfonts/fa-{font}.{ext}")
    for font in ("brands-400", "regular-400", "solid-900", "v4compatibility")
    for ext in ("woff2", "ttf")
)

GX_ASSETS = "https://great-expectations-web-assets.s3.us-east-2.amazonaws.com/"

#: Exact edits of GX 1.24.1 templates besides the CDN URLs: (old, new), each must match.
_EDITS: dict[str, tuple[tuple[str, str], ...]] = {
    # The logo from the site's own static/images, without the data context id.
    "top_navbar.j2": (
        (f'{{% set static_images_dir = "{GX_ASSETS}" -%}}',
         '{% set static_images_dir = dialoog_root() + "static/images/" -%}'),
        (' | add_data_context_id_to_url', ''),
    ),
    # GX puts the favicon of a validation page one folder too high (a failing local request).
    "favicon.j2": (
        ('{% set static_images_dir = ((expectation_suite_name_dot_count + 3) * "../") + "static/images/" -%}',
         '{% set static_images_dir = dialoog_root() + "static/images/" -%}'),
    ),
    # Dark mode swapped in a logo from GX's S3 bucket: keep the local one.
    "data_docs_default_styles.css": (
        (f"background: url('{GX_ASSETS}full_logo_dark.png') 0 0 no-repeat;", "background: none;"),
        ("  .navbar-brand a img {\n    visibility:hidden\n  }", "  .navbar-brand a img {\n    visibility:visible\n  }"),
    ),
    "ge_info.j2": (('<a href="https://greatexpectations.io">Great Expectations</a>', "Great Expectations"),),
}
#: Templates replaced whole: the newsletter footer links out and has nothing for an auditor.
_REPLACED = {"cloud-footer.j2": ""}
#: Subresource-integrity attributes of the CDN tags: a ``crossorigin`` script cannot load from file://.
_CDN_ATTRIBUTES = re.compile(r'\s+(?:integrity|crossorigin)="[^"]*"')
_OUTSIDE_URL = re.compile(r"(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}", re.IGNORECASE)


class AssetsMissing(RuntimeError):
    """The pinned npm packages are not installed (or not at their pinned versions)."""


def install_assets(docs_dir: Path, node_modules: Path = NODE_MODULES) -> None:
    """Copy the pinned libraries the pages use into ``docs_dir/static/vendor`` (only files that changed)."""
    pinned = json.loads(PACKAGE_JSON.read_text(encoding="utf-8"))["dependencies"]
    assets = [*dict.fromkeys(CDN_ASSETS.values()), *EXTRA_ASSETS]
    for package in sorted({asset.package for asset in assets}):
        manifest = node_modules / package / "package.json"
        installed = json.loads(manifest.read_text(encoding="utf-8"))["version"] if manifest.is_file() else None
        if installed != pinned.get(package):
            raise AssetsMissing(
                f"Data Docs assets: npm package {package} is {installed or 'not installed'} in {node_modules}, "
                f"package.json pins {pinned.get(package)}; run `make setup` (npm ci)"
            )
    for asset in assets:
        source, target = node_modules / asset.package / asset.path, docs_dir / asset.local
        if not source.is_file():
            raise AssetsMissing(f"Data Docs assets: {source} is missing; run `make setup` (npm ci)")
        if target.is_file() and target.stat().st_size == source.stat().st_size \
                and target.stat().st_mtime_ns == source.stat().st_mtime_ns:  # fmt: skip
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)


def offline_template(name: str, source: str) -> str:
    """GX's template ``name`` with local assets only; raises if an outside URL would remain."""
    if name in _REPLACED:
        return _REPLACED[name]
    for old, new in _EDITS.get(name, ()):
        if old not in source:
            raise TemplateError(f"Data Docs template {name} changed: {old!r} not found (GX upgraded?)")
        source = source.replace(old, new)
    for url, asset in CDN_ASSETS.items():
        source = source.replace(f'"{url}"', f'"{{{{ dialoog_root() }}}}{asset.local}"')
    source = _CDN_ATTRIBUTES.sub("", source)
    outside = _OUTSIDE_URL.search(source)
    if outside:
        raise TemplateError(
            f"Data Docs template {name} refers to {outside.group(0)}: map it to a local asset in {__name__}"
        )
    return source


class _OfflineLoader(BaseLoader):
    """GX's template loader, each template passed through :func:`offline_template`."""

    def __init__(self, inner: BaseLoader) -> None:
        self.inner = inner

    def get_source(self, environment: Environment, template: str) -> tuple[str, str | None, Callable[[], bool] | None]:
        source, filename, uptodate = self.inner.get_source(environment, template)
        return offline_template(template, source), filename, uptodate


@pass_context
def _root(context: Context) -> str:
    """The relative path from the page being rendered to the Data Docs folder (GX's own page layout).

    Validation pages are ``validations/<suite, one folder per dot>/<run name>/<run time>/<batch>.html``,
    suite pages ``expectations/<suite, one folder per dot>.html``, the index is at the top.
    """
    renderer = context.get("renderer_type") or ""
    dots = (context.get("expectation_suite_name") or "").count(".")
    if "ValidationResults" in renderer or "ProfilingResults" in renderer:
        return "../" * (dots + 4)
    if "ExpectationSuite" in renderer:
        return "../" * (dots + 1)
    if "SiteIndex" in renderer:
        return ""
    raise TemplateError(f"Data Docs: no page layout known for renderer {renderer!r}")


def _no_tracking(url: str, *_args: Any, **_kwargs: Any) -> str:
    """Replaces GX's ``add_data_context_id_to_url`` filter: a URL stays as it is."""
    return url


class _Offline:
    """Mixin of the offline views: GX's environment with the offline loader, root helper and no tracking."""

    env: Environment

    def _make_offline(self) -> None:
        self.env.loader = _OfflineLoader(self.env.loader)
        self.env.globals["dialoog_root"] = _root
        self.env.filters["add_data_context_id_to_url"] = _no_tracking

    def render(self, document: Any, template: Any = None, **kwargs: Any) -> Any:
        kwargs.pop("data_context_id", None)  # never rendered into a page
        return super().render(document, template, **kwargs)  # type: ignore[misc]


class OfflinePageView(_Offline, DefaultJinjaPageView):
    """GX's page view (suite and validation pages) with local assets only."""

    def __init__(self, custom_styles_directory: str | None = None, custom_views_directory: str | None = None):
        super().__init__(custom_styles_directory, custom_views_directory)
        self._make_offline()


class OfflineIndexPageView(_Offline, DefaultJinjaIndexPageView):
    """GX's index page view with local assets only."""

    def __init__(self, custom_styles_directory: str | None = None, custom_views_directory: str | None = None):
        super().__init__(custom_styles_directory, custom_views_directory)
        self._make_offline()


def view(index: bool = False) -> dict[str, str]:
    """The ``view`` setting of a GX site section (or of the site index) that uses these views."""
    return {"module_name": __name__, "class_name": (OfflineIndexPageView if index else OfflinePageView).__name__}
