"""The scope matrix: every URL pattern and API endpoint, walked by a province-86 administrator, must answer
404 for records of province 01 and never show them in lists, searches, counts or exports."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver

from danvan.accounts.models import Role, RoleAssignment, User
from danvan.core.models import Job
from danvan.core.scoping import is_scoped_model
from danvan.structure import services as structure_services
from danvan.structure.models import Branch, Organisation, Unit
from tests.activities.matrix import scoped_records as activities_records
from tests.factories import make_user, superuser
from tests.members.matrix import scoped_records as members_records
from tests.opinion.matrix import scoped_records as opinion_records

pytestmark = pytest.mark.django_db

MARK_OUT = "ZZOUTSCOPE"
MARK_IN = "ZZINSCOPE"

# Patterns that carry no scoped record, or are not ours to scope (Django's admin is superuser-only).
SKIP_PREFIXES = ("django-admin/", "static/", "media/")
NO_PK_KWARGS_ALLOWED = {"uidb64", "token", "format"}
# Views whose pk is not found through the view class: url name → model.
PK_MODELS = {
    "core:job-detail": Job,
    "core:job-result": Job,
    "cases:notification-open": apps.get_model("cases", "Notification"),
}
# Opinion pages are plain views: the model a pk names, by URL name.
PK_MODELS.update(
    {
        f"opinion:{name}": apps.get_model("opinion", model)
        for name, model in {
            "issue-detail": "Issue",
            "issue-update": "Issue",
            "alert-acknowledge": "Alert",
            "alertrule-update": "AlertRule",
            "item-detail": "Item",
            "item-correct": "Item",
            "source-detail": "Source",
            "source-update": "Source",
            "source-enable": "Source",
            "source-import": "Source",
            "model-detail": "ModelVersion",
            "model-promote": "ModelVersion",
            "model-rollback": "ModelVersion",
        }.items()
    }
)
# Platform-wide data, not scoped: any user holding the view permission sees all of it.
UNSCOPED_MODELS = {
    Role,
    apps.get_model("opinion", "ModelVersion"),
    apps.get_model("opinion", "OpinionSettings"),
}


def walk(patterns, prefix="", namespace=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
            yield from walk(p.url_patterns, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), (f"{namespace}{p.name}" if p.name else None), p


def all_patterns():
    return list(walk(get_resolver().url_patterns))


def model_of(name, pattern):
    if name in PK_MODELS:
        return PK_MODELS[name]
    callback = pattern.callback
    view_class = getattr(callback, "view_class", None) or getattr(callback, "cls", None)
    model = getattr(view_class, "model", None)
    if model is None and view_class is not None and getattr(view_class, "queryset", None) is not None:
        model = view_class.queryset.model
    return model


def fill(route: str, pk) -> str:
    import re

    url = re.sub(r"\(\?P<pk>[^)]*\)", str(pk), route)
    url = re.sub(r"<(?:\w+:)?pk>", str(pk), url)
    return "/" + url.replace("^", "").replace("$", "").replace("\\", "")


@pytest.fixture
def matrix(demo_world):
    w = demo_world
    root = superuser()
    out_village = structure_services.village_create(actor=root, commune=w.commune_b, name=f"Thôn {MARK_OUT}")
    in_village = structure_services.village_create(actor=root, commune=w.commune_a, name=f"Ấp {MARK_IN}")
    out_org = structure_services.organisation_create(
        actor=root,
        type=w.orgs["women_cb"].type,
        unit=w.commune_b,
        name=f"Hội {MARK_OUT}",
        parent=w.orgs["front_b"],
    )
    in_org = structure_services.organisation_create(
        actor=root,
        type=w.orgs["women_ca"].type,
        unit=w.commune_a,
        name=f"Hội {MARK_IN}",
        parent=w.orgs["front_a"],
    )
    out_branch = structure_services.branch_create(
        actor=root, organisation=out_org, unit=out_village, name=f"Chi hội {MARK_OUT}"
    )
    in_branch = structure_services.branch_create(
        actor=root, organisation=in_org, unit=in_village, name=f"Chi hội {MARK_IN}"
    )
    out_user = make_user(MARK_OUT.lower(), "leader", w.commune_b)
    User.objects.filter(pk=out_user.pk).update(full_name=f"Người {MARK_OUT}")
    in_user = make_user(MARK_IN.lower(), "leader", w.commune_a)
    out_job = Job.objects.create(kind="x", title=f"Job {MARK_OUT}", created_by=w.users["admin_b"])
    in_job = Job.objects.create(kind="x", title=f"Job {MARK_IN}", created_by=w.users["admin_a"])
    from django.core.files.base import ContentFile

    in_job.result_file.save("ket-qua.csv", ContentFile(b"ok"), save=True)
    cases = _cases_fixture(root, w, out_org, in_org, out_village, in_village)
    # A notification is its user's own: another's answers 404 whatever its case.
    case_model, notification_model = apps.get_model("cases", "Case"), apps.get_model("cases", "Notification")
    notifications = tuple(
        notification_model.objects.create(
            user=user, case=case, kind="assigned", key=f"k{user.pk}", message=mark
        )
        for user, case, mark in (
            (w.users["admin_b"], cases[case_model][0], MARK_OUT),
            (w.users["admin_a"], cases[case_model][1], MARK_IN),
        )
    )
    return {
        notification_model: notifications,
        **cases,
        "viewer": w.users["admin_a"],
        Unit: (out_village, in_village),
        Organisation: (out_org, in_org),
        Branch: (out_branch, in_branch),
        User: (out_user, in_user),
        RoleAssignment: (RoleAssignment.objects.get(user=out_user), RoleAssignment.objects.get(user=in_user)),
        Job: (out_job, in_job),
        **activities_records(
            root,
            marks=(MARK_OUT, MARK_IN),
            branches=(out_branch, in_branch),
            organisations=(out_org, in_org),
            units=(w.commune_b, w.commune_a),
        ),
        **members_records(
            root,
            marks=(MARK_OUT, MARK_IN),
            branches=(out_branch, in_branch),
            villages=(out_village, in_village),
            creators=(w.users["admin_b"], w.users["admin_a"]),
        ),
        **opinion_records(root, marks=(MARK_OUT, MARK_IN), units=(w.commune_b, w.commune_a)),
    }


def _cases_fixture(root, w, out_org, in_org, out_village, in_village) -> dict:
    """Citizens' cases, their documents, dialogue sessions, questions, commitments and reception sessions, in
    commune A (in scope of admin_a) and commune B (province 01, out of scope)."""
    from datetime import date

    from django.core.files.uploadedfile import SimpleUploadedFile

    from danvan.cases import services as case_services
    from danvan.cases.models import (
        Case,
        CaseDocument,
        Commitment,
        Dialogue,
        DialogueQuestion,
        ReceptionRequirement,
        ReceptionSession,
    )

    rows: dict = {}
    for place, org, village, commune, mark in (
        ("out", out_org, out_village, w.commune_b, MARK_OUT),
        ("in", in_org, in_village, w.commune_a, MARK_IN),
    ):
        case = case_services.case_receive(
            actor=root,
            kind="report",
            channel="walk_in",
            unit=village,
            handling_org=org,
            title=f"Phản ánh {mark}",
            content=f"Nội dung {mark}",
            citizen=case_services.CitizenData(name=f"Công dân {mark}"),
        )
        document = case_services.case_document_add(
            actor=root,
            case=case,
            kind="evidence",
            file=SimpleUploadedFile(
                f"{mark}.pdf", b"%PDF-1.4 " + mark.encode(), content_type="application/pdf"
            ),
        )
        dialogue = case_services.dialogue_save(
            actor=root,
            title=f"Đối thoại {mark}",
            unit=commune,
            organisation=None,
            held_on=date(2026, 1, 5),
            place="Hội trường",
            chair_name=f"Chủ trì {mark}",
            status="held",
        )
        question = case_services.dialogue_question_add(actor=root, dialogue=dialogue, question=f"Hỏi {mark}")
        commitment = case_services.commitment_create(
            actor=root,
            dialogue=dialogue,
            text=f"Cam kết {mark}",
            unit=commune,
            owner_org=None,
            owner_name=mark,
            due_on=date(2026, 6, 30),
        )
        session = case_services.reception_session_save(
            actor=root,
            unit=commune,
            organisation=None,
            position=ReceptionRequirement.objects.get(code="commune_chairman"),
            leader_name=f"Chủ tịch {mark}",
            on=date(2026, 1, 6),
            start_time=None,
            end_time=None,
            place=f"Trụ sở {mark}",
            status="held",
        )
        for model, obj in (
            (Case, case),
            (CaseDocument, document),
            (Dialogue, dialogue),
            (DialogueQuestion, question),
            (Commitment, commitment),
            (ReceptionSession, session),
        ):
            rows.setdefault(model, [None, None])[0 if place == "out" else 1] = obj
    return {model: tuple(pair) for model, pair in rows.items()}


def test_every_url_and_endpoint_hides_out_of_scope_records(client, matrix):
    viewer = matrix["viewer"]
    client.force_login(viewer)
    checked_detail, checked_list, problems = 0, 0, []
    for route, name, pattern in all_patterns():
        if route.startswith(SKIP_PREFIXES):
            continue
        kwargs = set(pattern.pattern.regex.groupindex)
        if kwargs & NO_PK_KWARGS_ALLOWED:
            continue
        if "pk" in kwargs:
            model = model_of(name, pattern)
            if model in UNSCOPED_MODELS:
                continue
            if model not in matrix:
                problems.append(f"{route} ({name}): no scope-matrix fixture for model {model}")
                continue
            out_obj, in_obj = matrix[model]
            # 405 (method not allowed) reveals nothing; every method the view serves must answer 404.
            statuses = {m: getattr(client, m)(fill(route, out_obj.pk)).status_code for m in ("get", "post")}
            if set(statuses.values()) - {404, 405} or 404 not in statuses.values():
                problems.append(f"{route} ({name}) out of scope answered {statuses}")
            inside = client.get(fill(route, in_obj.pk))
            if inside.status_code == 404:
                problems.append(f"GET {route} ({name}) in scope answered 404: the check proves nothing")
            checked_detail += 1
            continue
        if kwargs:
            problems.append(f"{route} ({name}): unknown URL kwargs {kwargs}")
            continue
        url = fill(route, "")
        # The search uses part of the marker: pages echo the query, but only a leaked record shows it whole.
        for query in ("", f"?q={MARK_OUT[:7].lower()}", "?export=csv", "?export=xlsx"):
            response = client.get(url + query)
            if response.status_code >= 500 and not (name == "health" and response.status_code == 503):
                problems.append(f"GET {url}{query} failed with {response.status_code}")
                continue
            body = _body(response)
            if MARK_OUT.lower() in body.lower():
                problems.append(f"GET {url}{query} ({name}) shows an out-of-scope record")
        checked_list += 1
    assert not problems, "\n".join(problems)
    assert checked_detail >= 8 and checked_list >= 10


def _body(response) -> str:
    if getattr(response, "streaming", False):
        data = b"".join(response.streaming_content)
    else:
        data = response.content
    content_type = response.get("Content-Type", "")
    if content_type.startswith("application/vnd.openxmlformats-officedocument.wordprocessingml"):
        import io

        from docx import Document

        document = Document(io.BytesIO(data))
        cells = [c.text for t in document.tables for r in t.rows for c in r.cells]
        return "\n".join([p.text for p in document.paragraphs] + cells)
    if content_type.startswith("application/pdf"):
        # PDF text is compressed: the Word twin of every PDF export is read above.
        return ""
    if content_type.startswith("application/vnd.openxmlformats"):
        import io

        from openpyxl import load_workbook

        wb = load_workbook(io.BytesIO(data), read_only=True)
        return "\n".join(
            str(c) for ws in wb for row in ws.iter_rows(values_only=True) for c in row if c is not None
        )
    return data.decode("utf-8", errors="replace")


def test_lists_do_show_in_scope_records(client, matrix):
    """The matrix above would pass on empty pages: prove the lists really list what is in scope."""
    client.force_login(matrix["viewer"])
    for url in (
        "/structure/units/?q=zzinsc&export=csv",
        "/structure/organisations/?export=csv",
        "/structure/branches/?q=zzinsc&export=csv",
        "/api/branches/?q=zzinsc",
        "/accounts/users/?export=csv",
        "/search/?q=zzinsc",
    ):
        assert MARK_IN.lower() in _body(client.get(url)).lower(), url


def _scoped_model_names() -> set[str]:
    return {m.__name__ for m in apps.get_models() if is_scoped_model(m)}


def test_views_and_api_never_read_scoped_models_through_objects():
    """A view or API module must read scoped rows through `Model.objects.visible_to(...)`."""
    scoped = _scoped_model_names()
    assert {"Unit", "Organisation", "Branch", "User", "RoleAssignment", "Job"} <= scoped
    root = Path(settings.BASE_DIR) / "danvan"
    offenders = []
    files = [
        p for p in root.rglob("*.py") if p.name in {"views.py", "api.py"} or p.parent.name in {"views", "api"}
    ]
    assert files
    for path in files:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and node.attr in {"objects", "_default_manager", "_base_manager"}
                and isinstance(node.value, ast.Name)
                and node.value.id in scoped
            ):
                parent = parents.get(node)
                if not (isinstance(parent, ast.Attribute) and parent.attr == "visible_to"):
                    offenders.append(f"{path.relative_to(root)}:{node.lineno} {node.value.id}.{node.attr}")
    assert not offenders, "scoped models read without visible_to:\n" + "\n".join(offenders)


def test_static_check_catches_a_bad_view(tmp_path):
    """The check above must be able to fail: feed it a module that reads Unit.objects directly."""
    source = (
        "from danvan.structure.models import Unit\n\ndef v(request):\n    return Unit.objects.get(pk=1)\n"
    )
    tree = ast.parse(source)
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    hits = [
        n
        for n in ast.walk(tree)
        if isinstance(n, ast.Attribute)
        and n.attr == "objects"
        and isinstance(n.value, ast.Name)
        and n.value.id in _scoped_model_names()
        and not (isinstance(parents.get(n), ast.Attribute) and parents[n].attr == "visible_to")
    ]
    assert len(hits) == 1
