"""Audit #1/#2: a real candidate (trained on a small slice) is stored with its card, metrics and comparison,
promoted (the reanalysis job and new items use it), and rolled back to the shipped bundle."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.conf import settings

from danvan.core.models import Job
from danvan.opinion import pipeline, services
from danvan.opinion.models import Item, ModelStatus
from tests.factories import make_user
from tests.opinion.conftest import rec

pytestmark = pytest.mark.django_db

TRAIN = Path(settings.BASE_DIR) / "data" / "opinion" / "train.jsonl"

LABELLED = [
    ("Đường liên ấp ngập sâu, xe không đi được", "infrastructure"),
    ("Cầu khỉ ở ấp xuống cấp, học sinh qua lại nguy hiểm", "infrastructure"),
    ("Mặt đường tỉnh lộ hư hỏng nhiều ổ gà", "infrastructure"),
    ("Trạm y tế xã thiếu thuốc, người dân phải lên huyện", "health"),
    ("Bệnh viện huyện quá tải, bệnh nhân nằm ghép", "health"),
    ("Tiêm chủng cho trẻ ở trạm y tế bị hoãn nhiều lần", "health"),
]


def _last_reprocess() -> Job:
    return Job.objects.filter(kind="opinion.reprocess").latest("id")


def test_train_promote_reanalyse_and_roll_back(demo_world, source_a, tmp_path, client):
    pipeline.forget_units()
    default = pipeline.active_analyzer()
    assert default.version.startswith("opinion-")
    pipeline.store_items(source_a, [rec(str(i), text, days=i) for i, (text, _f) in enumerate(LABELLED)])
    analyst = make_user("phan_tich", "opinion_analyst", demo_world.province_a)
    for item in Item.objects.order_by("external_id"):
        field = dict(LABELLED)[item.text]
        services.item_correct(actor=analyst, item=item, what="field", value=field)
        services.item_correct(actor=analyst, item=item, what="sentiment", value="negative")
        services.item_confirm(actor=analyst, item=item)
    base = [json.loads(line) for line in TRAIN.open(encoding="utf-8").readlines()[:300]]

    candidate = services.retrain(actor=analyst, out_dir=tmp_path / "cand", base_records=base)

    # the row is named after the bundle (what items carry) and holds the card, metrics and comparison
    assert candidate.version.startswith("opinion-") and candidate.version != default.version
    assert candidate.card["version"] == candidate.version and candidate.card["sha256"]
    assert {"field_accuracy", "field_macro_f1", "n"} <= set(candidate.metrics)
    assert candidate.comparison["current_version"] == default.version
    assert set(candidate.comparison["delta"]) >= {"field_accuracy", "field_macro_f1"}
    assert candidate.comparison["better"] in (True, False)

    admin = demo_world.users["admin_a"]
    client.force_login(admin)
    page = client.get(f"/opinion/models/{candidate.pk}/").content.decode()
    assert "field_macro_f1" in page or "F1" in page
    assert candidate.version in page and default.version in page
    assert 'id="model-comparison"' in page and "field_macro_f1" in page

    services.model_promote(actor=admin, version=candidate)
    job = _last_reprocess()
    assert job.status == "succeeded", job.message
    assert pipeline.active_analyzer().version == candidate.version
    assert set(Item.objects.values_list("model_version", flat=True)) == {candidate.version}
    # items arriving now are analysed with the promoted bundle too
    pipeline.store_items(source_a, [rec("new-1", "Trường học thiếu phòng học, học sinh học ca ba", days=9)])
    assert Item.objects.get(external_id="new-1").model_version == candidate.version

    services.model_rollback(actor=admin)
    candidate.refresh_from_db()
    assert candidate.status == ModelStatus.RETIRED
    assert _last_reprocess().status == "succeeded"
    assert set(Item.objects.values_list("model_version", flat=True)) == {default.version}
