"""Corrections (win, become labels) and model versions: promote / rollback permissions, reprocessing."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from danvan.opinion import pipeline, services
from danvan.opinion.models import Correction, Item, ModelStatus, ModelVersion
from tests.factories import make_user
from tests.opinion.conftest import rec

pytestmark = pytest.mark.django_db


def test_correction_wins_and_becomes_a_label(source_a, analyzer, demo_world):
    pipeline.store_items(source_a, [rec("1", "Đường liên ấp ngập sâu, người dân bức xúc")])
    item = Item.objects.get()
    analyst = make_user("phan_tich", "opinion_analyst", demo_world.province_a)
    services.item_correct(actor=analyst, item=item, what="sentiment", value="neutral")
    services.item_correct(actor=analyst, item=item, what="field", value="environment")
    item.refresh_from_db()
    assert item.corrected and item.field == "environment" and item.sentiment == "neutral"
    assert item.uncertainty == 0.0
    assert Correction.objects.filter(item_id=item.pk).count() == 2
    # corrected labels are not a training record until the analyst confirms the item's labels (audit #4)
    assert services.analyst_records() == []
    services.item_confirm(actor=analyst, item=item)
    records = services.analyst_records()
    assert records == [
        {
            "id": f"item-{item.pk}",
            "text": item.text,
            "title": "",
            "field": "environment",
            "sentiment": "neutral",
            "relevant": True,
        }
    ]
    with pytest.raises(ValidationError):
        services.item_correct(actor=analyst, item=item, what="field", value="nonsense")
    outsider = make_user("ngoai", "opinion_analyst", demo_world.province_b)
    with pytest.raises(PermissionDenied):
        services.item_correct(actor=outsider, item=item, what="field", value="land")


def test_promote_and_rollback_are_for_system_admins(demo_world, analyzer, source_a):
    pipeline.store_items(source_a, [rec("1", "Đường liên ấp ngập sâu")])
    v1 = ModelVersion.objects.create(version="v1", path="/nonexistent/v1")
    v2 = ModelVersion.objects.create(version="v2", path="/nonexistent/v2")
    analyst = make_user("phan_tich", "opinion_analyst", demo_world.province_a)
    with pytest.raises(PermissionDenied):
        services.model_promote(actor=analyst, version=v1)
    admin = demo_world.users["admin_a"]
    services.model_promote(actor=admin, version=v1)
    services.model_promote(actor=admin, version=v2)
    v1.refresh_from_db()
    v2.refresh_from_db()
    assert v2.status == ModelStatus.ACTIVE and v1.status == ModelStatus.RETIRED
    assert ModelVersion.objects.filter(status=ModelStatus.ACTIVE).count() == 1
    with pytest.raises(PermissionDenied):
        services.model_rollback(actor=analyst)
    back = services.model_rollback(actor=admin)
    assert back == v1
    assert ModelVersion.objects.get(status=ModelStatus.ACTIVE) == v1
    # the reprocessing job ran (eager) and the items carry the analyser's version
    assert Item.objects.get().model_version == analyzer.version


def test_retrain_stores_a_candidate(monkeypatch, demo_world, analyzer, source_a, tmp_path):
    import sys
    import types

    calls = {}

    def fake_retrain(base, analyst, out_dir, **kw):
        calls["n"] = len(analyst)
        return {"version": "cand-1", "path": out_dir, "metrics": {"field_accuracy": 0.9},
                "comparison": {"field_accuracy": {"candidate": 0.9, "active": 0.88}}, "card": {"name": "x"}}  # fmt: skip

    module = types.ModuleType("danvan.nlp.opinion")
    module.retrain = fake_retrain
    monkeypatch.setitem(sys.modules, "danvan.nlp.opinion", module)
    import danvan.nlp

    monkeypatch.setattr(danvan.nlp, "opinion", module, raising=False)
    pipeline.store_items(source_a, [rec("1", "Đường liên ấp ngập sâu")])
    admin = demo_world.users["admin_a"]
    analyst = make_user("phan_tich", "opinion_analyst", demo_world.province_a)
    services.item_correct(actor=analyst, item=Item.objects.get(), what="field", value="environment")
    services.item_confirm(actor=analyst, item=Item.objects.get())
    job = services.retrain_start(actor=admin)
    assert job.status == "succeeded", job.message
    cand = ModelVersion.objects.get(version="cand-1")
    assert cand.status == ModelStatus.CANDIDATE and cand.labels_used == 1 and calls["n"] == 1
    assert set(Correction.objects.values_list("used_in_model", flat=True)) == {"cand-1"}
    with pytest.raises(PermissionDenied):
        services.retrain_start(actor=demo_world.users["officer_ca"])


def test_a_new_installed_bundle_triggers_reprocessing(source_a, analyzer):
    from danvan.opinion import tasks

    pipeline.store_items(source_a, [rec("1", "Đường liên ấp ngập sâu"), rec("2", "Trộm chó liên tục")])
    assert set(Item.objects.values_list("model_version", flat=True)) == {"fake-1"}
    analyzer.version = "fake-3"
    tasks.version_check(timestamp=0)
    assert set(Item.objects.values_list("model_version", flat=True)) == {"fake-3"}


def test_only_province_level_analysts_and_admins_may_retrain(demo_world, analyzer, monkeypatch):
    """Audit #10: a ward analyst holds add_modelversion but may not retrain the platform's models."""
    ward = make_user("pt_xa", "opinion_analyst", demo_world.commune_a)
    province = make_user("pt_tinh", "opinion_analyst", demo_world.province_a)
    assert not services.can_retrain(ward) and services.can_retrain(province)
    assert services.can_retrain(demo_world.users["admin_a"])
    with pytest.raises(PermissionDenied):
        services.retrain_start(actor=ward)


def test_long_jobs_go_to_their_own_queue(demo_world, settings, monkeypatch):
    """Audit #10: retrain and reanalysis are deferred on the long-jobs queue, not the users' default queue."""
    from danvan.core import tasks as core_tasks
    from danvan.core.jobs import LONG_QUEUE
    from danvan.core.models import Job

    settings.DANVAN_JOBS_EAGER = False
    deferred = []

    class Deferrer:
        def __init__(self, queue):
            self.queue = queue

        def defer(self, **kwargs):
            deferred.append((self.queue, kwargs["job_id"]))

    monkeypatch.setattr(core_tasks.run_job, "configure", lambda **kw: Deferrer(kw.get("queue")))
    job = services.retrain_start(actor=make_user("pt_t2", "opinion_analyst", demo_world.province_a))
    services._reprocess_start(None)
    reprocess = Job.objects.get(kind="opinion.reprocess")
    assert deferred == [(LONG_QUEUE, job.pk), (LONG_QUEUE, reprocess.pk)]
    assert LONG_QUEUE != "default"


def test_model_pages_confirm_and_list_the_default_card(client, demo_world):
    """Audit #15: promote and roll back ask for confirmation; the list shows the shipped default model's card."""
    admin = demo_world.users["admin_a"]
    v1 = ModelVersion.objects.create(version="v1", path="/nonexistent/v1")
    client.force_login(admin)
    detail = client.get(f"/opinion/models/{v1.pk}/").content.decode()
    assert "/promote/" in detail and "data-confirm" in detail.split("/promote/")[1].split(">")[0]
    card = pipeline.DEFAULT_BUNDLE / "model_card.json"
    ModelVersion.objects.filter(pk=v1.pk).update(status=ModelStatus.ACTIVE)
    listing = client.get("/opinion/models/").content.decode()
    assert "/rollback/" in listing and "data-confirm" in listing.split("/rollback/")[1].split(">")[0]
    if card.exists():
        import json

        assert json.loads(card.read_text())["version"] in listing and 'id="default-model"' in listing
