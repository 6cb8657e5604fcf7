"""The findings of the QA audit of the cases module and the citizens' portal (08/12/2026), one test or more
each: what the auditor saw must not come back."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from danvan.cases import selectors, services
from danvan.cases.models import Case, Commitment, DialogueQuestion, Rating, ReceptionRequirement, Status

pytestmark = pytest.mark.django_db
MONDAY = "2026-03-02 09:00 +07:00"


def _answered(cw, answer="Đã thay bóng đèn."):
    officer = cw.users["reception_ca"]
    case = cw.case(citizen=services.CitizenData(name="Nguyễn Văn Dân", phone="0912345678", email="dan@example.vn"))
    case = services.case_accept(actor=officer, case=case)
    return services.case_answer(actor=officer, case=case, answer=answer)


# --- 3: the tracking code and the contact details only for who may change the case ----------------------


@time_machine.travel(MONDAY, tick=False)
def test_read_only_roles_see_the_name_but_not_the_tracking_code_nor_the_contact_details(client, cw):
    case = cw.case(
        citizen=services.CitizenData(
            name="Nguyễn Văn Dân", phone="0912345678", email="dan@example.vn", address="12 ấp Phú Hòa"
        )
    )
    client.force_login(cw.users["commission_ca"])  # view_case only
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert "Nguyễn Văn Dân" in page
    assert case.tracking_code not in page and "Mã tra cứu" not in page
    assert "0912345678" not in page and "dan@example.vn" not in page and "12 ấp Phú Hòa" not in page
    assert "Thông tin liên hệ được ẩn" in page
    client.force_login(cw.users["reception_ca"])
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert case.tracking_code in page and "0912345678" in page and "dan@example.vn" in page
    assert "Thông tin liên hệ được ẩn" not in page
