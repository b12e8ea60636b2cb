"""What a run must do: whether the marts need a build at all (something loaded after the last publish, the
code the marts are built with changed since, or nothing was ever published)."""

from __future__ import annotations

from core import warehouse
from core.bookkeeping import ensure_bookkeeping, loaded_until
from core.settings import Settings, get_settings
from steps.build import code_version
from steps.publish import last_publish


def needs_build(settings: Settings | None = None) -> bool:
    """A build is needed when something loaded after the last publish, the models or classifier changed
    since, or nothing was ever published."""
    settings = settings or get_settings()
    if not settings.serving_path.exists():
        return True
    con = warehouse.connect(settings)
    try:
        ensure_bookkeeping(con)
        (watermark, built_with), newest = last_publish(con), loaded_until(con)
    finally:
        con.close()
    if built_with != code_version():
        return True
    return newest is not None and (watermark is None or newest > watermark)
