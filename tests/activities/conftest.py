from __future__ import annotations

from datetime import date

import pytest
from django.test import Client
from django.utils import translation

from danvan.activities import services
from danvan.structure import services as structure_services
from danvan.structure.models import OrgType
from tests.factories import VerifiedClient, make_user, superuser


@pytest.fixture(autouse=True)
def _english():
    """Assertions read English messages, whatever the Vietnamese catalogue holds."""
    with translation.override("en"):
        yield


@pytest.fixture
def client_for(db):
    def make(user) -> Client:
        client = VerifiedClient(HTTP_ACCEPT_LANGUAGE="en")
        client.force_login(user)
        return client

    return make


class Area:
    """The demo world plus what the activities need: a province-level Women's Union cadre, commune cadres
    of two organisations, and users of the activities roles."""

    def __init__(self, w):
        self.w = w
        root = superuser()
        self.root = root
        self.commission_pa = structure_services.organisation_create(
            actor=root, type=OrgType.objects.get(code="commission"), unit=w.province_a
        )
        self.women_province = w.orgs["women_a"]
        self.women_commune = w.orgs["women_ca"]
        self.farmers_commune = w.orgs["farmers_ca"]
        self.prov_cadre = services.cadre_create(
            actor=root,
            organisation=self.women_province,
            full_name="Trần Thị Lan",
            role="organisation_leader",
            position="Phó Chủ tịch Hội LHPN tỉnh",
        )
        self.women_cadre = services.cadre_create(
            actor=root,
            organisation=self.women_commune,
            full_name="Nguyễn Thị Hoa",
            role="organisation_leader",
        )
        self.farmers_cadre = services.cadre_create(
            actor=root, organisation=self.farmers_commune, full_name="Lê Văn Sang", role="officer"
        )
        self.women_branch = w.branches["women_va"]
        self.farmers_branch = w.branches["farmers_va"]
        self.other_commune_branch = w.branches["women_va2"]
        self.out_branch = w.branches["women_vb"]
        self.admin = w.users["admin_a"]
        self.women_officer = w.users["women_officer_ca"]
        self.commission_officer = w.users["officer_ca"]
        self.leader = make_user("leader_a", "leader", w.province_a)

    def meeting(self, branch=None, on=date(2026, 2, 10), **kwargs):
        return services.meeting_create(
            actor=self.root, branch=branch or self.women_branch, held_on=on, **kwargs
        )

    def course(self, title="Tập huấn", starts_on=date(2026, 3, 2), ends_on=date(2026, 3, 2), hours="4", **kw):
        from decimal import Decimal

        kw.setdefault("kind", "training")
        return services.course_create(
            actor=self.root,
            organiser=kw.pop("organiser", self.women_province),
            title=title,
            starts_on=starts_on,
            ends_on=ends_on,
            hours=Decimal(hours),
            **kw,
        )

    def attend(self, cadre, meeting):
        return services.attendance_add(actor=self.root, meeting=meeting, cadre=cadre)


@pytest.fixture
def area(demo_world):
    return Area(demo_world)
