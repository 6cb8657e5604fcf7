import io
import json
import re
from datetime import timedelta

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from danvan.core import crypto, demo, jobs
from danvan.core.exports import xlsx_bytes
from danvan.core.models import AccessLog, Job, JobStatus, WorkerHeartbeat
from danvan.core.services import access_log_record, job_start
from danvan.core.text import fold
from danvan.structure.models import Branch, Organisation, Unit, UnitLevel

pytestmark = pytest.mark.django_db


def test_reference_units_are_complete():
    assert Unit.objects.filter(level=UnitLevel.PROVINCE).count() == 34
    assert Unit.objects.filter(level=UnitLevel.COMMUNE).count() == 3321
    legacy = Unit.objects.filter(level=UnitLevel.LEGACY_PROVINCE)
    assert legacy.count() == 63
    assert not legacy.filter(successor__isnull=True).exists()
    assert not legacy.filter(valid_to__isnull=True).exists()
    # the trap: old Lào Cai (10) and old Yên Bái (15) both roll up to today's Lào Cai, code 15
    lao_cai = Unit.objects.get(code="15", level=UnitLevel.PROVINCE)
    assert set(legacy.filter(successor=lao_cai).values_list("code", flat=True)) == {"10", "15"}
    assert Unit.objects.get(code="10", level=UnitLevel.LEGACY_PROVINCE).current == lao_cai
    assert Unit.objects.get(code="00004", level=UnitLevel.COMMUNE).path == "01/00004/"


def test_setup_is_idempotent():
    from django.core.management import call_command

    before = Unit.objects.count()
    call_command("setup_platform", verbosity=0)
    assert Unit.objects.count() == before


def test_fold_matches_accentless_and_old_tone_marks():
    assert fold("Nguyễn Văn Ấ") == "nguyen van a"
    assert fold("Thanh Hoá") == fold("Thanh Hóa") == "thanh hoa"
    assert fold("Đặc khu Phú Quốc") == "dac khu phu quoc"


def test_accent_insensitive_search_on_units(client, demo_world):
    client.force_login(demo_world.users["admin_a"])
    target = demo_world.village_a  # "Ấp Phú Hòa"
    body = client.get("/structure/units/?q=phu+hoa").content.decode()
    assert target.name in body


def test_encryption_round_trip_and_context_binding():
    token = crypto.encrypt("079201001234", context="members.person.citizen_id")
    assert "079201001234" not in token
    assert crypto.decrypt(token, context="members.person.citizen_id") == "079201001234"
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(token, context="cases.denouncer.name")
    a = crypto.lookup_hash("079201001234", context="cccd")
    assert (
        a
        == crypto.lookup_hash("079201001234", context="cccd")
        != crypto.lookup_hash("079201001235", context="cccd")
    )
    assert crypto.mask("079201001234") == "•••••••••234"


def test_access_log_records_reads_without_the_value(demo_world):
    w = demo_world
    entry = access_log_record(
        actor=w.users["admin_a"], obj=w.branches["women_va"], field="leader_phone", purpose="kiểm tra"
    )
    assert entry.unit_path == w.village_a.path
    assert AccessLog.objects.visible_to(w.users["admin_a"]).filter(pk=entry.pk).exists()
    assert not AccessLog.objects.visible_to(w.users["admin_b"]).filter(pk=entry.pk).exists()
    assert not AccessLog.objects.visible_to(w.users["officer_ca"]).exists()


@jobs.register("tests.count")
def _count_job(job, ctx):
    ctx.set_total(3)
    for i in range(1, 4):
        ctx.progress(i, force=True)
    return {"summary": "ok", "n": job.params["n"]}


@jobs.register("tests.fail")
def _failing_job(job, ctx):
    raise jobs.JobError("Tệp không hợp lệ")


@jobs.register("tests.crash")
def _crashing_job(job, ctx):
    raise RuntimeError("secret internal detail")


def test_jobs_run_and_report(demo_world):
    user = demo_world.users["admin_a"]
    job = job_start(actor=user, kind="tests.count", title="Đếm", params={"n": 7})
    assert job.status == JobStatus.SUCCEEDED and job.result == {"summary": "ok", "n": 7}
    assert job.progress == 3 and job.percent == 100
    failed = job_start(actor=user, kind="tests.fail", title="Hỏng")
    assert failed.status == JobStatus.FAILED and failed.error == "Tệp không hợp lệ"
    crashed = job_start(actor=user, kind="tests.crash", title="Lỗi")
    assert crashed.status == JobStatus.FAILED and "secret" not in crashed.error
    with pytest.raises(ValueError):
        job_start(actor=user, kind="no.such.kind", title="?")


def test_jobs_are_seen_by_their_owner_only(client, demo_world):
    w = demo_world
    job = job_start(actor=w.users["admin_a"], kind="tests.count", title="Việc của A", params={"n": 1})
    assert list(Job.objects.visible_to(w.users["admin_b"])) == []
    client.force_login(w.users["admin_a"])
    assert "Việc của A" in client.get("/jobs/").content.decode()
    progress = client.get(f"/jobs/{job.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert "100%" in progress and "hx-trigger" not in progress  # finished: polling stops
    client.force_login(w.users["admin_b"])
    assert client.get(f"/jobs/{job.pk}/").status_code == 404


def test_queued_job_is_deferred_to_procrastinate(settings, demo_world):
    from procrastinate.contrib.django.models import ProcrastinateJob

    settings.DANVAN_JOBS_EAGER = False
    job = job_start(actor=demo_world.users["admin_a"], kind="tests.count", title="Hàng đợi", params={"n": 2})
    assert job.status == JobStatus.QUEUED
    queued = ProcrastinateJob.objects.filter(task_name="core.run_job").order_by("-id").first()
    assert queued is not None and queued.args == {"job_id": job.pk} and queued.queue_name == "default"
    long = job_start(actor=None, kind="tests.count", title="Dài", params={"n": 1}, queue=jobs.LONG_QUEUE)
    assert ProcrastinateJob.objects.get(args={"job_id": long.pk}).queue_name == "long"  # its own worker's
    jobs.run(job.pk)  # what the worker does
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED


def test_a_users_job_is_taken_before_the_bulk_work_queued_earlier(settings, demo_world):
    """The worker fetches (procrastinate's own fetch function) a user's import or export before the opinion
    pipeline's batches queued before it."""
    from django.db import connection

    from danvan.opinion.tasks import analyse_batch

    settings.DANVAN_JOBS_EAGER = False
    bulk = [analyse_batch.defer(item_ids=[n]) for n in range(3)]
    job = job_start(actor=demo_world.users["admin_a"], kind="tests.count", title="Xuất tệp", params={"n": 1})
    with connection.cursor() as cursor:
        cursor.execute("SELECT procrastinate_register_worker_v1()")
        worker_id = cursor.fetchone()[0]
        fetched = []
        for _ in range(2):
            cursor.execute(
                "SELECT id, task_name, args FROM procrastinate_fetch_job_v2(NULL, %s)", [worker_id]
            )
            fetched.append(cursor.fetchone())
    assert (fetched[0][1], json.loads(fetched[0][2])) == ("core.run_job", {"job_id": job.pk})
    assert fetched[1][0] == bulk[0]  # then the bulk work, in its order


def test_health_reports_worker_heartbeat(client):
    response = client.get("/health/")
    assert response.status_code == 503 and response.json()["worker"] == "none"
    WorkerHeartbeat.objects.create(worker="w1", beat_at=timezone.now())
    response = client.get("/health/")
    assert response.status_code == 200 and response.json() == {
        **response.json(),
        "database": "ok",
        "worker": "ok",
    }
    WorkerHeartbeat.objects.update(beat_at=timezone.now() - timedelta(minutes=10))
    assert client.get("/health/").json()["worker"] == "stale"


def test_xlsx_export_keeps_vietnamese_and_numbers():
    data = xlsx_bytes(["Tên", "Số"], [["Ấp Phú Hòa", 777283]])
    ws = load_workbook(io.BytesIO(data)).active
    assert [c.value for c in ws[1]] == ["Tên", "Số"]
    assert [c.value for c in ws[2]] == ["Ấp Phú Hòa", 777283]


def test_list_export_contains_every_filtered_row_not_just_a_page(client, demo_world):
    client.force_login(demo_world.users["admin_a"])
    response = client.get("/structure/units/?level=commune&export=csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    communes_86 = Unit.objects.filter(level=UnitLevel.COMMUNE, path__startswith="86/").count()
    assert communes_86 == 124
    assert (
        len(text.strip().splitlines()) == communes_86 + 1
    )  # header + every commune, beyond the page size of 50


def test_list_filters_fold_on_a_phone_and_stay_open_when_used(client, demo_world):
    client.force_login(demo_world.users["admin_a"])
    plain = client.get("/structure/units/").content.decode()
    assert 'data-bs-target="#list-filters"' in plain
    assert 'collapse d-md-block" id="list-filters"' in plain  # folded below the md breakpoint
    used = client.get("/structure/units/?level=commune").content.decode()
    assert 'collapse d-md-block show" id="list-filters"' in used  # a filter in use stays visible


def test_demo_generator_small_runs_once_and_scopes_accounts():
    first = demo.generate(province_code="86", villages_per_commune=(1, 2), max_communes=3, size="small")
    assert first.created
    assert first.counts["communes"] == 124 and first.counts["villages"] >= 3
    villages = list(
        Unit.objects.filter(level=UnitLevel.VILLAGE, source="demo")
        .order_by("code")
        .values_list("code", "name")
    )
    assert Branch.objects.filter(unit_path__startswith="86/").count() == len(villages) * len(
        demo.BRANCH_SPECS
    )
    assert Organisation.objects.filter(unit_path="86/").count() == len(demo.PROVINCE_TYPES)
    again = demo.generate(province_code="86", villages_per_commune=(1, 2), max_communes=3, size="small")
    assert not again.created
    assert len(again.accounts) == 14
    from danvan.accounts.models import User

    dvan_xa = User.objects.get(username="dvan.xa")
    assert dvan_xa.check_password(demo.DEMO_PASSWORD)
    visible = Unit.objects.visible_to(dvan_xa)
    assert visible.filter(level=UnitLevel.COMMUNE).count() == 1


def test_client_ip_trusts_only_the_hop_the_proxy_added(rf):
    from danvan.core.services import client_ip

    request = rf.get("/", HTTP_X_FORWARDED_FOR="6.6.6.6, 10.0.0.7", REMOTE_ADDR="127.0.0.1")
    assert client_ip(request) == "10.0.0.7"
    assert client_ip(rf.get("/", REMOTE_ADDR="192.0.2.1")) == "192.0.2.1"


def test_navigation_highlights_only_the_most_specific_entry(demo_world):
    from danvan.core.navigation import visible_sections

    sections = visible_sections(demo_world.users["admin_a"], "/audit/access/")
    active = [i["url"] for s in sections for i in s["items"] if i["active"]]
    assert active == ["/audit/access/"]
    home = visible_sections(demo_world.users["admin_a"], "/")
    assert [i["url"] for s in home for i in s["items"] if i["active"]] == ["/"]


def test_the_table_pager_speaks_vietnamese(client, demo_world):
    """django-tables2 has no Vietnamese catalogue; our copy of its template labels the pager."""
    client.force_login(demo_world.users["admin_a"])
    page = client.get("/structure/units/?level=commune&page=2").content.decode()
    pager = page[page.index('<ul class="pagination') :]
    pager = pager[: pager.index("</ul>")]
    assert "Trang trước" in pager and "Trang sau" in pager and "?level=commune&amp;page=3" in pager
    words = re.sub(r"<[^>]+>", " ", pager).split()
    assert "next" not in words and "previous" not in words
    assert "Table navigation" not in page


def test_pages_name_their_icon_so_browsers_do_not_ask_for_a_missing_favicon_ico(client, demo_world):
    from django.contrib.staticfiles import finders

    assert finders.find("favicon.svg")
    client.force_login(demo_world.users["admin_a"])
    for url in ("/", "/structure/units/"):
        assert 'rel="icon"' in client.get(url).content.decode()
    client.logout()
    for url in ("/accounts/login/", "/cases/public/"):
        assert 'rel="icon"' in client.get(url).content.decode()


def test_the_change_history_names_record_types_in_vietnamese(client, demo_world):
    from danvan.core.audit import model_name

    assert model_name("structure.Unit") == "Đơn vị hành chính"
    assert model_name("nowhere.Nothing") == "nowhere.Nothing"
    client.force_login(demo_world.users["admin_a"])
    Unit.objects.filter(pk=demo_world.commune_a.pk).update(population=4321)  # a row-history event
    rows = list(client.get("/audit/?pgh_obj_model=structure.Unit").context["table"].rows)
    assert rows and {row.get_cell("pgh_obj_model") for row in rows} == {"Đơn vị hành chính"}


def test_choice_filters_offer_empty_only_where_a_column_may_be_empty():
    from danvan.cases.filters import CaseFilter
    from danvan.cases.models import Case

    CaseFilter.base_filters["kind"].field  # built once already, as the API schema does  # noqa: B018
    fields = CaseFilter({}, queryset=Case.objects.none()).form.fields
    labels = {
        name: [str(label) for _value, label in fields[name].choices] for name in ("kind", "deadline", "field")
    }
    assert "(trống)" not in labels["kind"]  # every case has a kind
    assert "(trống)" not in labels["deadline"]  # a method filter: "null" meant nothing to it
    assert "(trống)" in labels["field"]  # cases not yet given a field
    assert Case._meta.get_field("field").null and not Case._meta.get_field("kind").null


def test_select_prompts_are_in_vietnamese():
    """Django's "---------" prompt of selects (choice fields and foreign keys) reads "— Chọn —"."""
    from django import forms
    from django.utils import translation

    from danvan.cases.models import Case

    class CaseForm(forms.ModelForm):
        class Meta:
            model = Case
            fields = ["kind"]

    class UnitChoice(forms.Form):
        unit = forms.ModelChoiceField(queryset=Unit.objects.none())
        every = forms.ModelChoiceField(queryset=Unit.objects.none(), empty_label="Tất cả", required=False)

    with translation.override("vi"):
        kind_html = str(CaseForm()["kind"])
        unit_form = UnitChoice()
        assert "— Chọn —" in kind_html and "---------" not in kind_html
        assert "— Chọn —" in str(unit_form["unit"])
        assert "Tất cả" in str(unit_form["every"]) and "— Chọn —" not in str(unit_form["every"])


def _stat_titles(response) -> list[str]:
    """The titles of the home page's figures, as the user reads them."""
    return re.findall(
        r'<div class="text-muted small">([^<]+)</div><div class="stat-value">', response.content.decode()
    )


def test_the_home_page_shows_no_figure_the_users_roles_do_not_cover(client, demo_world, make_user):
    """A figure the user may not see is not shown as 0: no structure figure without a role, only the units
    for a collaborator, no commitments card for whoever may not see commitments."""
    from tests.factories import home_card

    w = demo_world
    structure = ["Xã, phường, đặc khu", "Thôn/tổ dân phố", "Tổ chức", "Chi hội"]
    client.force_login(w.users["officer_ca"])  # commission officer: every figure
    page = client.get("/")
    assert page.status_code == 200 and _stat_titles(page) == structure
    assert home_card(page, "Đang giải quyết") == 0 and home_card(page, "Cam kết quá hạn") == 0
    client.force_login(w.users["nobody"])  # no role assignment yet
    page = client.get("/")
    assert page.status_code == 200 and _stat_titles(page) == [] and page.context["card_groups"] == []
    assert "Bạn chưa được phân quyền" in page.content.decode()
    client.force_login(make_user("ctv", "opinion_collaborator", w.commune_a))  # units, nothing else
    assert _stat_titles(client.get("/")) == structure[:2]
    client.force_login(make_user("analyst", "opinion_analyst", w.commune_a))  # cases, but no commitments
    page = client.get("/")
    assert _stat_titles(page) == structure[:3]
    assert home_card(page, "Đang giải quyết") == 0 and home_card(page, "Cam kết quá hạn") is None


def test_djangos_length_and_value_messages_read_well_in_vietnamese(db):
    """Django's own Vietnamese catalogue has "… bằng với 5 ." (a space before the full stop) and no full stop
    at all after the lengths: the project's catalogue overrides them."""
    from django import forms
    from django.core.exceptions import ValidationError
    from django.utils import translation

    from danvan.accounts.forms import UserCreateForm

    def message(field, value) -> str:
        with pytest.raises(ValidationError) as error:
            field.clean(value)
        [text] = error.value.messages
        return text

    with translation.override("vi"):
        assert message(forms.IntegerField(max_value=5), "6") == "Giá trị này phải nhỏ hơn hoặc bằng 5."
        assert message(forms.IntegerField(min_value=1), "0") == "Giá trị này phải lớn hơn hoặc bằng 1."
        assert (
            message(forms.CharField(min_length=3), "ab") == "Giá trị này phải có ít nhất 3 ký tự (hiện có 2)."
        )
        assert message(forms.CharField(max_length=3), "abcd") == (
            "Giá trị này chỉ được có tối đa 3 ký tự (hiện có 4)."
        )
        form = UserCreateForm({"username": "a" * 151, "full_name": "Nguyễn Văn A"}, units=Unit.objects.none())
        assert form.errors["username"] == ["Giá trị này chỉ được có tối đa 150 ký tự (hiện có 151)."]
