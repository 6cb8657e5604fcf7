import pytest
from datetime import date
from danvan.activities import services, selectors
from danvan.activities.models import *
from danvan.activities.periods import Period
from tests.factories import superuser

pytestmark = pytest.mark.django_db

def test_smoke(demo_world):
    w = demo_world
    root = superuser()
    c = services.cadre_create(actor=root, organisation=w.orgs["women_ca"], full_name="Nguyễn Thị Hoa", role="organisation_leader")
    m = services.meeting_create(actor=root, branch=w.branches["women_va"], held_on=date(2026, 2, 3), topics="Tuyên truyền")
    a = services.attendance_add(actor=root, meeting=m, cadre=c)
    print(list(BranchMonthTally.objects.values()))
    print(list(CadreMonthTally.objects.values()))
    services.meeting_update(actor=root, meeting=m, held_on=date(2026, 3, 3), kind="regular")
    print(list(BranchMonthTally.objects.values()))
    print(list(CadreMonthTally.objects.values()))
    services.quota_rule_create(actor=root, unit=w.province_a, name="784", period="month", meetings_required=1, valid_from=date(2025,1,1))
    comp = selectors.compliance(actor=w.users["admin_a"], unit=w.province_a, period=Period.parse("2026-Q1"))
    print(comp.place, comp.cadres, [ (r.unit.name, r.place, r.cadres) for r in comp.units])
    print(comp.behind_cadres)
