"""A denouncer's identity: encrypted apart from the case, readable only by the assigned handler and the head
of the handling body, every read logged, and out of every other page, API, export and search."""

from __future__ import annotations

import io
import re

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, connection, transaction
from django.urls import URLPattern, URLResolver, get_resolver

from danvan.cases import services
from danvan.cases.models import Case, CaseDocument, DenouncerIdentity
from danvan.core.models import AccessLog

pytestmark = pytest.mark.django_db

NAME = "Zzdenouncer Trần Văn Kín"
PHONE = "0988777666"
ADDRESS = "Số 9 đường Zzhidden"
MARKERS = ("zzdenouncer", "0988777666", "zzhidden", "tran van kin", "trần văn kín")


def _leaks(text: str) -> list[str]:
    low = text.lower()
    return [m for m in MARKERS if m in low]


@pytest.fixture
def denunciation(cw):
    officer = cw.users["reception_ca"]
    case = cw.case(
        kind="denunciation",
        title="Tố cáo cán bộ địa chính nhận tiền",
        content="Cán bộ địa chính yêu cầu nộp thêm tiền ngoài quy định.",
        citizen=services.CitizenData(name=NAME, phone=PHONE, address=ADDRESS, id_number="079201009999"),
    )
    case = services.case_accept(actor=officer, case=case)
    # the head of the handling body decides who handles a denunciation
    case = services.case_assign(actor=cw.users["head_ca"], case=case, handler=cw.users["reception_ca_2"])
    pdf = SimpleUploadedFile(
        "don-to-cao.pdf", b"%PDF-1.4 " + NAME.encode() + b" signed", content_type="application/pdf"
    )
    services.case_document_add(actor=officer, case=case, file=pdf, kind="petition")
    services.case_letter_generate(actor=cw.users["reception_ca_2"], case=case, kind="acceptance")
    return case


def test_identity_is_stored_encrypted_and_never_on_the_case(cw, denunciation):
    case = Case.objects.get(pk=denunciation.pk)
    assert case.citizen_name == case.citizen_phone == case.citizen_address == ""
    identity = DenouncerIdentity.objects.get(case=case)
    assert identity.payload_enc.startswith("v1:") and not _leaks(identity.payload_enc)
    assert len(identity.name_hash) == 64
    # Nothing in the database holds it in clear: cases, events, history, documents' names, search columns.
    with connection.cursor() as cur:
        for table in (
            "cases_case",
            "cases_caseevent",
            "cases_casehistory",
            "cases_casedocument",
            "cases_denounceridentity",
            "core_accesslog",
        ):
            cur.execute(f"SELECT row_to_json(t)::text FROM {table} t")
            dump = "\n".join(r[0] for r in cur.fetchall())
            assert not _leaks(dump), table
    # The database refuses a denunciation with the citizen's details on the case.
    with pytest.raises(IntegrityError), transaction.atomic():
        Case.objects.filter(pk=case.pk).update(citizen_name="X")


def test_only_the_handler_and_the_head_may_read_and_each_read_is_logged(cw, denunciation):
    case = denunciation
    before = AccessLog.objects.filter(object_pk=str(case.pk), field="denouncer_identity").count()
    assert services.denouncer_identity_read(actor=cw.users["reception_ca_2"], case=case)["name"] == NAME
    assert services.denouncer_identity_read(actor=cw.users["head_ca"], case=case)["phone"] == PHONE
    logs = AccessLog.objects.filter(object_pk=str(case.pk), field="denouncer_identity")
    assert logs.count() == before + 2
    assert {cw.users["reception_ca_2"].pk, cw.users["head_ca"].pk} <= set(
        logs.values_list("user_id", flat=True)
    )
    assert not any(_leaks(log.purpose + log.path) for log in logs)
    # Everyone else: the officer who recorded it, a colleague of the same body, the province's officers and
    # head (another body), the commission officer, the administrator, a superuser.
    for name in ("reception_ca", "reception_a", "head_a", "commission_ca", "admin_a", "reception_cb", "root"):
        with pytest.raises(PermissionDenied):
            services.denouncer_identity_read(actor=cw.users[name], case=case)
    assert logs.count() == before + 2


def test_reassignment_takes_the_right_away(cw, denunciation):
    services.case_assign(actor=cw.users["head_ca"], case=denunciation, handler=cw.users["reception_ca"])
    with pytest.raises(PermissionDenied):
        services.denouncer_identity_read(actor=cw.users["reception_ca_2"], case=denunciation)
    assert services.denouncer_identity_read(actor=cw.users["reception_ca"], case=denunciation)["name"] == NAME


def test_an_officer_cannot_assign_a_denunciation_to_themselves_nor_the_province_take_it(cw, denunciation):
    from django.core.exceptions import ValidationError

    # an officer of the body (not its head) may not pick the handler, not even herself
    with pytest.raises(ValidationError, match="Chỉ thủ trưởng cơ quan giải quyết"):
        services.case_assign(
            actor=cw.users["reception_ca"], case=denunciation, handler=cw.users["reception_ca"]
        )
    # a province officer holds change_case over every commune, but is not the ward body's head
    with pytest.raises(ValidationError, match="Chỉ thủ trưởng cơ quan giải quyết"):
        services.case_assign(
            actor=cw.users["reception_a"], case=denunciation, handler=cw.users["reception_a"]
        )
    # and the head may not give it to an officer of another level either
    with pytest.raises(ValidationError, match="cán bộ của chính đơn vị"):
        services.case_assign(actor=cw.users["head_ca"], case=denunciation, handler=cw.users["reception_a"])
    with pytest.raises(PermissionDenied):
        services.denouncer_identity_read(actor=cw.users["reception_a"], case=denunciation)
    with pytest.raises(PermissionDenied):
        services.denouncer_identity_read(actor=cw.users["reception_ca"], case=denunciation)


def test_the_assign_form_offers_only_the_bodys_own_officers_and_only_to_the_head(client, cw, denunciation):
    from danvan.cases import selectors

    eligible = set(selectors.handler_choices(case=denunciation).values_list("username", flat=True))
    assert {"reception_ca", "reception_ca_2", "head_ca"} <= eligible
    assert not eligible & {"reception_a", "head_a", "reception_cb"}
    client.force_login(cw.users["reception_ca"])
    assert (
        f"/cases/{denunciation.pk}/assign/" not in client.get(f"/cases/{denunciation.pk}/").content.decode()
    )
    response = client.post(f"/cases/{denunciation.pk}/assign/", {"handler": cw.users["reception_ca"].pk})
    assert response.status_code == 400
    assert "Chỉ thủ trưởng cơ quan giải quyết" in response.content.decode()
    client.force_login(cw.users["head_ca"])
    form = client.get(f"/cases/{denunciation.pk}/assign/").content.decode()
    assert "(reception_ca)" in form and "(reception_a)" not in form
    response = client.post(f"/cases/{denunciation.pk}/assign/", {"handler": cw.users["reception_ca"].pk})
    assert response.status_code == 302
    assert Case.objects.get(pk=denunciation.pk).handler == cw.users["reception_ca"]


def test_after_a_transfer_the_sender_keeps_nothing_that_names_the_denouncer(client, cw, denunciation):
    body = cw.bodies["pc_cb"]
    new = services.case_transfer(
        actor=cw.users["reception_ca"],
        case=denunciation,
        to_unit=body.unit,
        to_type=body.type,
        reason="Thẩm quyền",
    )
    petition = CaseDocument.objects.get(case=denunciation, kind="petition")
    assert AccessLog.objects.filter(
        object_pk=str(denunciation.pk), purpose="confidential documents moved with the transferred case"
    ).exists()
    for who in ("head_ca", "reception_ca_2"):  # the sender's head (perhaps the person denounced), the handler
        client.force_login(cw.users[who])
        page = client.get(f"/cases/{denunciation.pk}/").content.decode()
        assert "đã chuyển theo hồ sơ đến cơ quan nhận" in page
        assert f"/cases/documents/{petition.pk}/" not in page
        assert client.get(f"/cases/documents/{petition.pk}/").status_code == 403
        assert client.get(f"/cases/{denunciation.pk}/identity/").status_code == 404
        assert client.post(f"/cases/{denunciation.pk}/identity/", {"name": "X"}).status_code == 404
        with pytest.raises(PermissionDenied):
            services.denouncer_identity_read(actor=cw.users[who], case=denunciation)
    # the receiving body's copies stay confidential and whole
    copies = CaseDocument.objects.filter(case=new, confidential=True)
    assert copies.filter(kind="petition").exists() and copies.count() == 2


def test_the_access_log_says_which_letter_in_vietnamese(cw, denunciation):
    from danvan.core.audit import purpose_label

    log = AccessLog.objects.filter(object_pk=str(denunciation.pk), purpose="letter acceptance").get()
    assert purpose_label(log.purpose) == "Lập văn bản: Thông báo thụ lý"


def _patterns(patterns, prefix=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from _patterns(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), p


def _body(response) -> str:
    data = b"".join(response.streaming_content) if getattr(response, "streaming", False) else response.content
    ctype = response.get("Content-Type", "")
    if "spreadsheetml" in ctype:
        from openpyxl import load_workbook

        wb = load_workbook(io.BytesIO(data), read_only=True)
        return "\n".join(str(c) for ws in wb for row in ws.iter_rows(values_only=True) for c in row if c)
    if "wordprocessingml" in ctype:
        import docx

        d = docx.Document(io.BytesIO(data))
        parts = [p.text for p in d.paragraphs] + [c.text for t in d.tables for r in t.rows for c in r.cells]
        return "\n".join(parts)
    return data.decode("utf-8", errors="replace")


@pytest.mark.parametrize("who", ["reception_ca", "head_a", "admin_a", "root"])
def test_no_page_api_export_or_search_shows_the_identity_to_others(client, cw, denunciation, who):
    client.force_login(cw.users[who])
    docs = list(CaseDocument.objects.filter(case=denunciation).values_list("pk", flat=True))
    problems = []
    for route, pattern in _patterns(get_resolver().url_patterns):
        if not route.startswith(("cases/", "api/^cases", "api/^dialogues", "api/^commitments", "audit/")):
            continue
        if "format" in route:
            continue
        kwargs = set(pattern.pattern.regex.groupindex)
        if kwargs - {"pk"}:
            continue
        targets = [denunciation.pk, *docs] if "pk" in kwargs else [None]
        for pk in targets:
            url = "/" + re.sub(r"<(?:\w+:)?pk>|\(\?P<pk>[^)]*\)", str(pk), route).replace("^", "").replace(
                "$", ""
            )
            # Searches use part of a marker: pages echo the query, only a leak shows the marker whole.
            queries = (
                ("",)
                if pk
                else (
                    "",
                    "?q=zzdenoun",
                    "?q=0988777",
                    "?q=tran+van",
                    "?export=csv",
                    "?export=xlsx",
                    "?export=docx",
                    "?search=zzdenoun",
                )
            )
            for query in queries:
                response = client.get(url + query)
                if response.status_code >= 500:
                    problems.append(f"{url}{query}: {response.status_code}")
                    continue
                if response.status_code == 200 and _leaks(_body(response)):
                    problems.append(f"{url}{query} shows the identity")
    assert not problems, "\n".join(problems)


def test_the_handler_sees_it_on_the_identity_page_and_the_read_is_logged(client, cw, denunciation):
    url = f"/cases/{denunciation.pk}/identity/"
    client.force_login(cw.users["reception_ca"])
    assert client.get(url).status_code == 403
    client.force_login(cw.users["reception_ca_2"])
    before = AccessLog.objects.count()
    response = client.get(url)
    assert response.status_code == 200 and NAME in response.content.decode()
    assert response["Cache-Control"] == "no-store"
    assert AccessLog.objects.count() == before + 1
    # The petition (it names the denouncer) is confidential: the handler downloads it, the others do not.
    petition = CaseDocument.objects.get(case=denunciation, kind="petition")
    assert petition.confidential
    assert client.get(f"/cases/documents/{petition.pk}/").status_code == 200
    assert AccessLog.objects.count() == before + 2
    client.force_login(cw.users["reception_ca"])
    assert client.get(f"/cases/documents/{petition.pk}/").status_code == 404


def test_letters_name_the_denouncer_only_when_the_handler_makes_them(cw, denunciation):
    import docx

    letters = CaseDocument.objects.filter(case=denunciation, kind="letter")
    by_handler = letters.get()
    assert by_handler.confidential
    text = "\n".join(p.text for p in docx.Document(by_handler.file.open("rb")).paragraphs)
    assert NAME in text
    other = services.case_letter_generate(
        actor=cw.users["reception_ca"], case=denunciation, kind="acceptance"
    )
    assert not other.confidential
    text = "\n".join(p.text for p in docx.Document(other.file.open("rb")).paragraphs)
    assert not _leaks(text) and denunciation.reference in text


def test_the_public_tracking_page_shows_no_identity(client, cw, denunciation):
    response = client.post("/cases/public/track/", {"code": denunciation.tracking_code})
    assert response.status_code == 200
    body = response.content.decode()
    assert not _leaks(body) and "Tố cáo cán bộ" not in body  # a denunciation's content is not public either


def test_a_denunciations_answer_stays_off_its_tracking_page_by_default(client, cw, denunciation):
    handler = cw.users["reception_ca_2"]
    client.force_login(handler)
    form = client.get(f"/cases/{denunciation.pk}/answer/").content.decode()
    assert re.search(r'name="public"[^>]*checked', form) is None  # the box starts unticked
    case = services.case_answer(actor=handler, case=denunciation, answer="Kết quả xử lý ZZRESULT")
    assert case.answer_public is False
    client.logout()
    page = client.post("/cases/public/track/", {"code": case.tracking_code}).content.decode()
    assert "ZZRESULT" not in page
