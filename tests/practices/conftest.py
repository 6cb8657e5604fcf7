from __future__ import annotations

from datetime import date

import pytest
from django.test import Client
from django.utils import translation

from danvan.practices import services
from tests.factories import VerifiedClient, make_user, superuser


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def client_for(db):
    def make(user) -> Client:
        client = VerifiedClient(HTTP_ACCEPT_LANGUAGE="en")
        client.force_login(user)
        return client

    return make


class Registry:
    def __init__(self, w):
        self.w = w
        self.root = superuser()
        self.scheme = services.scheme_seed()
        self.criteria = list(self.scheme.criteria.all())
        self.admin = w.users["admin_a"]
        self.commission = w.users["officer_ca"]
        self.women_officer = w.users["women_officer_ca"]
        self.leader = make_user("leader_pa", "leader", w.province_a)

    def register(self, actor=None, **kwargs) -> object:
        data = dict(
            unit=self.w.village_a,
            organisation=self.w.orgs["women_ca"],
            name="Tổ phụ nữ tiết kiệm giúp nhau làm kinh tế",
            field="economy",
            owner_kind="collective",
            owner_name="Chi hội Phụ nữ ấp Phú Hòa",
            started_on=date(2025, 3, 1),
            description="Hội viên góp vốn xoay vòng, giúp nhau nuôi bò sinh sản.",
            problem="Phụ nữ nghèo vay nặng lãi",
            registered_on=date(2025, 6, 1),
        )
        data.update(kwargs)
        return services.practice_register(actor=actor or self.root, **data)

    def scores(self, share: float) -> dict:
        return {c.pk: round(c.max_score * share) for c in self.criteria}

    def assess(self, practice, share=0.9, actor=None, on=date(2025, 7, 1)):
        return services.practice_assess(
            actor=actor or self.root,
            practice=practice,
            scheme=self.scheme,
            council="Hội đồng thẩm định xã",
            assessed_on=on,
            scores=self.scores(share),
        )

    def recognise(self, practice, actor=None, on=date(2025, 8, 1)):
        return services.practice_recognise(
            actor=actor or self.root,
            practice=practice,
            decision_no="125-QĐ/ĐU",
            decided_on=on,
            level="commune",
            issuer="Đảng ủy xã",
        )


@pytest.fixture
def reg(demo_world):
    return Registry(demo_world)
