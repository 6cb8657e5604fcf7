"""Fixtures for the NLP engine tests (plain Python: no database, no Django)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def shared_data_dir() -> Path:
    """``DANVAN_SHARED_DATA`` or ``../shared/data`` next to the repository."""
    return Path(os.environ.get("DANVAN_SHARED_DATA", REPO.parent / "shared" / "data"))


@pytest.fixture(autouse=True)
def _eager_jobs():
    """Overrides the project-wide autouse fixture of the same name (tests/conftest.py), which needs
    Django's ``settings``: the NLP tests use no Django and run with ``-p no:django``."""
    yield


@pytest.fixture
def shared_data() -> Path:
    path = shared_data_dir()
    if not (path / "raw").exists():
        pytest.skip(f"shared datasets not found at {path} (set DANVAN_SHARED_DATA)")
    return path


SENTIMENT_TRAIN = [
    ("thầy giảng rất hay và nhiệt tình", "positive"),
    ("cô dạy dễ hiểu, rất tận tâm", "positive"),
    ("môn học bổ ích, giảng viên vui vẻ", "positive"),
    ("bài giảng hay, thầy nhiệt tình hỗ trợ", "positive"),
    ("giảng viên tuyệt vời, dạy rất dễ hiểu", "positive"),
    ("cô rất nhiệt tình và thân thiện", "positive"),
    ("phòng học nóng, máy chiếu hỏng", "negative"),
    ("thầy dạy khó hiểu, nói quá nhanh", "negative"),
    ("cơ sở vật chất tệ, wifi yếu", "negative"),
    ("bài tập quá nhiều, không được hướng dẫn", "negative"),
    ("giảng viên đi trễ, dạy chán", "negative"),
    ("máy lạnh hỏng, phòng học rất nóng", "negative"),
]


@pytest.fixture
def sentiment_data() -> tuple[list[str], list[str]]:
    texts = [t for t, _ in SENTIMENT_TRAIN] * 3
    labels = [label for _, label in SENTIMENT_TRAIN] * 3
    return texts, labels
