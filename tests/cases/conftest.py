"""Fixtures of the cases tests: a world with handling bodies, reception officers, heads and cases."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from danvan.cases import services
from danvan.cases.models import Case
from danvan.structure import services as structure_services
from danvan.structure.models import Organisation, OrgType
from tests.factories import make_user, superuser


@dataclass
class CasesWorld:
    w: object
    bodies: dict[str, Organisation] = field(default_factory=dict)
    users: dict = field(default_factory=dict)

    def case(self, *, kind="report", body="pc_ca", actor="reception_ca", unit=None, **kwargs) -> Case:
        body_org = self.bodies[body]
        citizen = kwargs.pop("citizen", services.CitizenData(name="Nguyễn Văn Dân", phone="0912345678"))
        return services.case_receive(
            actor=self.users[actor],
            kind=kind,
            channel=kwargs.pop("channel", "walk_in"),
            unit=unit or body_org.unit,
            handling_org=body_org,
            title=kwargs.pop("title", "Đường liên ấp xuống cấp"),
            content=kwargs.pop("content", "Tuyến đường liên ấp bị sụt lún, đề nghị sửa chữa."),
            citizen=citizen,
            **kwargs,
        )


@pytest.fixture(autouse=True)
def _fresh_reference_caches():
    """The calendar and the rules are cached per process: a test that edits them (in a transaction rolled
    back afterwards) must not leave its edit to the next test."""
    from danvan.cases import reference

    reference.forget_calendar()
    reference.forget_rules()
    yield
    reference.forget_calendar()
    reference.forget_rules()


@pytest.fixture
def cw(demo_world):
    w = demo_world
    root = superuser()
    types = {t.code: t for t in OrgType.objects.filter(code__in=["peoples_committee", "citizen_reception"])}
    cw = CasesWorld(w)
    cw.bodies["pc_ca"] = structure_services.organisation_create(
        actor=root, type=types["peoples_committee"], unit=w.commune_a
    )
    cw.bodies["pc_ca2"] = structure_services.organisation_create(
        actor=root, type=types["peoples_committee"], unit=w.commune_a2
    )
    cw.bodies["pc_cb"] = structure_services.organisation_create(
        actor=root, type=types["peoples_committee"], unit=w.commune_b
    )
    cw.bodies["reception_a"] = structure_services.organisation_create(
        actor=root, type=types["citizen_reception"], unit=w.province_a
    )
    cw.bodies["front_a"] = w.orgs["front_a"]
    cw.users["reception_ca"] = make_user("reception_ca", "reception_officer", w.commune_a)
    cw.users["reception_ca_2"] = make_user("reception_ca_2", "reception_officer", w.commune_a)
    cw.users["head_ca"] = make_user("head_ca", "leader", w.commune_a)
    cw.users["head_a"] = make_user("head_a", "leader", w.province_a)
    cw.users["reception_a"] = make_user("reception_a", "reception_officer", w.province_a)
    cw.users["reception_cb"] = make_user("reception_cb", "reception_officer", w.commune_b)
    cw.users["commission_ca"] = w.users["officer_ca"]
    cw.users["admin_a"] = w.users["admin_a"]
    cw.users["root"] = root
    for u in cw.users.values():
        if not u.email:
            u.email = f"{u.username}@example.vn"
            u.save(update_fields=["email"])
    return cw
