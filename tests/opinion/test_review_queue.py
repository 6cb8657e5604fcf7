"""Audit #4: a correction in the review queue changes one label and keeps the item in the queue; Enter confirms
the labels (only then a training label); undo reverts a keystroke or a confirmation."""

from __future__ import annotations

import pytest

from danvan.opinion import pipeline, selectors, services
from danvan.opinion.models import Correction, Item
from tests.factories import make_user
from tests.opinion.conftest import rec

pytestmark = pytest.mark.django_db


def _post(client, url, **data):
    return client.post(url, data, HTTP_ACCEPT="application/json")


def test_one_key_one_label_item_stays_until_confirmed(source_a, analyzer, demo_world, client):
    pipeline.store_items(source_a, [rec("1", "Nước sinh hoạt bị nhiễm mặn vào mùa khô")])
    item = Item.objects.get()
    model_field = item.field
    analyst = make_user("phan_tich", "opinion_analyst", demo_world.province_a)
    client.force_login(analyst)
    correct = f"/opinion/items/{item.pk}/correct/"

    r = _post(client, correct, what="field", value="environment")
    assert r.status_code == 200 and r.json()["confirmed"] is False
    assert list(selectors.review_queue(analyst)) == [item]  # still in the queue
    assert services.analyst_records() == []  # the unchecked sentiment is no training label
    r = _post(client, correct, what="sentiment", value="negative")
    sentiment_fix = r.json()["corrections"]
    item.refresh_from_db()
    assert item.field == "environment" and item.sentiment == "negative"

    # undo the last key: the sentiment goes back to the model's, the field stays corrected
    r = _post(client, f"/opinion/items/{item.pk}/undo/", corrections=",".join(map(str, sentiment_fix)))
    assert r.status_code == 200, r.content
    item.refresh_from_db()
    assert item.field == "environment" and item.sentiment != "negative" or model_field == "environment"
    assert not Correction.objects.filter(what="sentiment").exists()

    r = _post(client, correct, what="accept", value="")
    confirmed = r.json()["corrections"]
    assert r.json()["confirmed"] is True
    assert list(selectors.review_queue(analyst)) == []
    [record] = services.analyst_records()
    assert record["field"] == "environment"
    # the confirmed labels win over a later model run like corrections do
    assert {c.what for c in Correction.objects.filter(item_id=item.pk)} == {"field", "sentiment", "relevant"}

    r = _post(
        client, f"/opinion/items/{item.pk}/undo/", corrections=",".join(map(str, confirmed)), unconfirm="1"
    )
    assert r.status_code == 200 and r.json()["confirmed"] is False
    assert list(selectors.review_queue(analyst)) == [item]
    assert services.analyst_records() == []


def test_undo_only_own_unused_corrections(source_a, analyzer, demo_world):
    pipeline.store_items(source_a, [rec("1", "Đường liên ấp ngập sâu")])
    item = Item.objects.get()
    a = make_user("a1", "opinion_analyst", demo_world.province_a)
    b = make_user("b1", "opinion_analyst", demo_world.province_a)
    c = services.item_correct(actor=a, item=item, what="field", value="environment")
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.item_undo(actor=b, item=item, corrections=[c.pk])
    Correction.objects.filter(pk=c.pk).update(used_in_model="v1")
    with pytest.raises(ValidationError):
        services.item_undo(actor=a, item=item, corrections=[c.pk])
