"""Shared fixtures: the public corpus in ../shared/corpus beside the checkout."""

import json
import os
import pathlib
from typing import Any

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
CORPUS = REPO.parent / "shared" / "corpus"


def corpus_path(*parts: str) -> pathlib.Path:
    """A file of the corpus; skips the test when the corpus is absent (fails in CI)."""
    path = CORPUS.joinpath(*parts)
    if not path.exists():
        if os.environ.get("CI"):
            pytest.fail(f"the corpus file {path} is missing (CI must have ../shared)")
        pytest.skip(f"corpus file {path} not present")
    return path


@pytest.fixture(scope="session")
def dlms_vectors() -> dict[str, dict[str, Any]]:
    """dlms_vectors.json by kind."""
    vectors = json.loads(corpus_path("dlms_vectors.json").read_text())
    return {v["kind"]: v for v in vectors}
