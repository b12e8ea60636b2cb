"""One demo landing zone at the demo scale, generated once for the whole module (about 20 s)."""

from __future__ import annotations

from pathlib import Path

import pytest

from demo.__main__ import DEMO_SCALE
from demo.generate import Generator


@pytest.fixture(scope="session")
def demo_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("demo_home")
    Generator(home, DEMO_SCALE, 42).run()
    return home
