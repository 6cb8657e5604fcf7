"""Factories: small worlds built through the real services."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.test import Client

from danvan.accounts import services as account_services
from danvan.accounts.models import Role, User
from danvan.structure import services as structure_services
from danvan.structure.models import Branch, BranchKind, Organisation, OrgType, Unit, UnitLevel

PASSWORD = "Mat-khau-thu-nghiem-2026"


def superuser() -> User:
    user, _ = User.objects.get_or_create(username="root", defaults={"is_superuser": True, "is_staff": True})
    return user


def make_user(
    username: str,
    role: str | None = None,
    unit: Unit | None = None,
    organisation: Organisation | None = None,
    valid_from: date | None = None,
    valid_to: date | None = None,
    password: str = PASSWORD,
) -> User:
    user = User.objects.create(
        username=username,
        full_name=username.title(),
        home_unit=unit,
        home_unit_path=unit.path if unit else "",
    )
    user.set_password(password)
    user.save()
    if role:
        account_services.assignment_create(
            actor=superuser(),
            user=user,
            role=Role.objects.get(code=role),
            unit=unit,
            organisation=organisation,
            valid_from=valid_from or date(2025, 7, 1),
            valid_to=valid_to,
        )
    return user


def province(code: str) -> Unit:
    return Unit.objects.get(code=code, level=UnitLevel.PROVINCE)


def commune_of(province_unit: Unit, index: int = 0) -> Unit:
    return Unit.objects.filter(parent=province_unit, level=UnitLevel.COMMUNE).order_by("code")[index]


@dataclass
class World:
    province_a: Unit
    province_b: Unit
    commune_a: Unit
    commune_a2: Unit
    commune_b: Unit
    village_a: Unit
    village_a2: Unit
    village_b: Unit
    orgs: dict[str, Organisation] = field(default_factory=dict)
    branches: dict[str, Branch] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)


def build_world() -> World:
    root = superuser()
    pa, pb = province("86"), province("01")
    ca, ca2, cb = commune_of(pa, 0), commune_of(pa, 1), commune_of(pb, 0)
    va = structure_services.village_create(actor=root, commune=ca, name="Ấp Phú Hòa")
    va2 = structure_services.village_create(actor=root, commune=ca2, name="Ấp Tân Lập")
    vb = structure_services.village_create(actor=root, commune=cb, name="Thôn Đông")
    w = World(pa, pb, ca, ca2, cb, va, va2, vb)
    front, women, farmers = (OrgType.objects.get(code=c) for c in ("front", "women", "farmers"))
    w.orgs["front_a"] = structure_services.organisation_create(actor=root, type=front, unit=pa)
    w.orgs["women_a"] = structure_services.organisation_create(
        actor=root, type=women, unit=pa, parent=w.orgs["front_a"]
    )
    w.orgs["women_ca"] = structure_services.organisation_create(
        actor=root, type=women, unit=ca, parent=w.orgs["women_a"]
    )
    w.orgs["farmers_ca"] = structure_services.organisation_create(
        actor=root, type=farmers, unit=ca, parent=w.orgs["front_a"]
    )
    w.orgs["women_ca2"] = structure_services.organisation_create(
        actor=root, type=women, unit=ca2, parent=w.orgs["women_a"]
    )
    w.orgs["front_b"] = structure_services.organisation_create(actor=root, type=front, unit=pb)
    w.orgs["women_cb"] = structure_services.organisation_create(
        actor=root, type=women, unit=cb, parent=w.orgs["front_b"]
    )
    w.branches["women_va"] = structure_services.branch_create(
        actor=root, organisation=w.orgs["women_ca"], unit=va, name="Chi hội Phụ nữ ấp Phú Hòa"
    )
    w.branches["farmers_va"] = structure_services.branch_create(
        actor=root, organisation=w.orgs["farmers_ca"], unit=va, name="Chi hội Nông dân ấp Phú Hòa"
    )
    w.branches["women_va2"] = structure_services.branch_create(
        actor=root, organisation=w.orgs["women_ca2"], unit=va2, name="Chi hội Phụ nữ ấp Tân Lập"
    )
    w.branches["women_vb"] = structure_services.branch_create(
        actor=root,
        organisation=w.orgs["women_cb"],
        unit=vb,
        name="Chi hội Phụ nữ thôn Đông",
        kind=BranchKind.CHI_HOI,
    )
    w.users["admin_a"] = make_user("admin_a", "system_admin", pa)
    w.users["officer_ca"] = make_user("officer_ca", "commission_officer", ca)
    w.users["women_officer_ca"] = make_user("women_ca", "organisation_officer", ca, w.orgs["women_a"])
    w.users["admin_b"] = make_user("admin_b", "system_admin", pb)
    w.users["nobody"] = make_user("nobody")
    return w


def home_card(response, title: str) -> int | None:
    """The figure of the home page's card called ``title`` (as the user reads it), None when not shown."""
    for _section, cards in response.context["card_groups"]:
        for card in cards:
            if str(card.title) == title:
                return card.value
    return None


class VerifiedClient(Client):
    """The test client, signed in as after a verified sign-in: ``force_login`` and ``login`` skip the second
    factor that a role may require (``accounts.middleware``); the tests of that factor sign in through its
    pages, or clear the flag."""

    def _verified(self) -> None:
        session = self.session
        session["danvan_2fa_required"] = False
        session.save()

    def force_login(self, user, backend=None):
        super().force_login(user, backend)
        self._verified()

    def login(self, **credentials):
        done = super().login(**credentials)
        if done:
            self._verified()
        return done
