# Shared fixtures of the Python tests: the demo corpus's plain-text files,
# read in the order the command reads them (sorted paths).
import os
import pathlib

import pytest

SOURCE_DIR = pathlib.Path(
    os.environ.get("MIMEO_SOURCE_DIR", pathlib.Path(__file__).parents[2]))
DEMO = SOURCE_DIR / "datasets" / "demo" / "texts"


def demo_documents():
    """(id, text) of every .txt file of the demo corpus, ids relative."""
    paths = sorted(DEMO.rglob("*.txt"), key=lambda p: str(p.relative_to(DEMO)))
    return [(str(p.relative_to(DEMO)), p.read_text(encoding="utf-8"))
            for p in paths]


@pytest.fixture(scope="session")
def demo():
    return demo_documents()
