"""Account and assignment administration, within the administrator's own scope."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from danvan.accounts import services
from danvan.accounts.models import Role, RoleAssignment, User
from tests.accounts.conftest import form_errors
from tests.factories import make_user, superuser

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_a(client, world):
    client.force_login(world.users["admin_a"])
    return world.users["admin_a"]


def _choices(response, field: str) -> set[int]:
    return {int(str(value)) for value, _label in response.context["form"].fields[field].choices if value}


def test_user_list_shows_only_accounts_in_scope(client, world, admin_a):
    response = client.get(reverse("accounts:user-list"))
    names = {row.record.username for row in response.context["table"].rows}
    assert {"admin_a", "officer_ca", "women_ca"} <= names
    assert "admin_b" not in names
    assert "nobody" not in names  # no home unit: superusers only
    User.objects.filter(pk=world.users["officer_ca"].pk).update(is_active=False)
    disabled = client.get(reverse("accounts:user-list") + "?is_active=false")
    assert [row.record.username for row in disabled.context["table"].rows] == ["officer_ca"]
    active = client.get(reverse("accounts:user-list") + "?is_active=true")
    assert "officer_ca" not in {row.record.username for row in active.context["table"].rows}
    export = b"".join(client.get(reverse("accounts:user-list") + "?export=csv").streaming_content)
    assert b"admin_b" not in export and b"officer_ca" in export


def test_other_provinces_accounts_answer_404(client, world, admin_a):
    other = world.users["admin_b"]
    assert client.get(reverse("accounts:user-detail", args=[other.pk])).status_code == 404
    for name in ("user-update", "user-password", "user-send-reset", "user-unlock", "user-reset-2fa"):
        url = reverse(f"accounts:{name}", args=[other.pk])
        assert client.get(url).status_code == 404, name
        assert client.post(url, {"full_name": "Hacked", "is_active": ""}).status_code == 404, name
    other.refresh_from_db()
    assert other.full_name != "Hacked" and other.is_active


def test_create_user_home_unit_only_within_scope(client, world, admin_a):
    page = client.get(reverse("accounts:user-create"))
    units = _choices(page, "home_unit")
    assert {world.province_a.pk, world.commune_a.pk, world.village_a.pk} <= units
    assert world.commune_b.pk not in units and world.province_b.pk not in units

    data = {"username": "intruder", "full_name": "X", "home_unit": world.commune_b.pk, "password1": ""}
    response = client.post(reverse("accounts:user-create"), data)
    assert response.status_code == 200
    assert form_errors(response)
    assert not User.objects.filter(username="intruder").exists()
    with pytest.raises(PermissionDenied):
        services.user_create(actor=admin_a, username="intruder", full_name="X", home_unit=world.commune_b)


def test_create_user_with_password(client, world, admin_a):
    password = "Mat-khau-ban-dau-2026"
    response = client.post(
        reverse("accounts:user-create"),
        {
            "username": "thu_ky",
            "full_name": "Lê Văn Thư",
            "home_unit": world.commune_a.pk,
            "password1": password,
            "password2": password,
        },
    )
    assert response.status_code == 302
    user = User.objects.get(username="thu_ky")
    assert user.home_unit_path == world.commune_a.path
    assert user.check_password(password)
    assert response["Location"] == reverse("accounts:user-detail", args=[user.pk])


def test_create_user_errors_from_the_service_show_on_the_form(client, world, admin_a):
    response = client.post(
        reverse("accounts:user-create"),
        {"username": "OFFICER_CA", "full_name": "Trùng", "home_unit": world.commune_a.pk},
    )
    assert response.status_code == 200
    assert "This username is already taken." in response.context["form"].errors["username"]
    weak = client.post(
        reverse("accounts:user-create"),
        {
            "username": "yeu",
            "full_name": "Y",
            "home_unit": world.commune_a.pk,
            "password1": "123",
            "password2": "123",
        },
    )
    assert weak.context["form"].errors["password1"]
    assert not User.objects.filter(username="yeu").exists()
    for name in ("người.dùng", "nguyen van a", "a+b"):  # what the help text says: letters, digits and . _ -
        bad = client.post(
            reverse("accounts:user-create"),
            {"username": name, "full_name": "Y", "home_unit": world.commune_a.pk},
        )
        assert "Use only unaccented letters, digits and . _ -" in str(bad.context["form"].errors["username"])
        assert not User.objects.filter(username=name).exists()


def test_edit_user_and_deactivate(client, world, admin_a):
    officer = world.users["officer_ca"]
    response = client.post(
        reverse("accounts:user-update", args=[officer.pk]),
        {
            "full_name": "Trần Văn Cán",
            "email": "CAN@xa.vn",
            "home_unit": world.commune_a2.pk,
            "is_active": "",
        },
    )
    assert response.status_code == 302
    officer.refresh_from_db()
    assert (officer.full_name, officer.email, officer.home_unit_path, officer.is_active) == (
        "Trần Văn Cán",
        "can@xa.vn",
        world.commune_a2.path,
        False,
    )


def test_cannot_move_a_user_out_of_scope(client, world, admin_a):
    officer = world.users["officer_ca"]
    response = client.post(
        reverse("accounts:user-update", args=[officer.pk]),
        {"full_name": "X", "home_unit": world.commune_b.pk, "is_active": "on"},
    )
    assert response.status_code == 200
    officer.refresh_from_db()
    assert officer.home_unit_path == world.commune_a.path


def test_cannot_deactivate_self(client, world, admin_a):
    url = reverse("accounts:user-update", args=[admin_a.pk])
    page = client.get(url)
    assert page.context["form"].fields["is_active"].disabled
    client.post(url, {"full_name": "Admin A", "home_unit": world.province_a.pk, "is_active": ""})
    admin_a.refresh_from_db()
    assert admin_a.is_active and admin_a.full_name == "Admin A"
    with pytest.raises(Exception, match="deactivate your own"):
        services.user_update(
            actor=admin_a,
            user=admin_a,
            full_name="A",
            email="",
            phone="",
            position="",
            home_unit=world.province_a,
            is_active=False,
        )


def test_assignment_choices_and_creation_within_scope(client, world, admin_a):
    officer = world.users["officer_ca"]
    url = reverse("accounts:assignment-create") + f"?user={officer.pk}"
    page = client.get(url)
    assert page.status_code == 200
    units = _choices(page, "unit")
    assert world.commune_a.pk in units and world.commune_b.pk not in units
    orgs = _choices(page, "organisation")
    assert world.orgs["women_ca"].pk in orgs and world.orgs["women_cb"].pk not in orgs

    role = Role.objects.get(code="leader")
    response = client.post(
        url,
        {
            "user": officer.pk,
            "role": role.pk,
            "unit": world.commune_a.pk,
            "organisation": world.orgs["women_ca"].pk,
            "valid_from": "2026-01-01",
            "valid_to": "2026-12-31",
        },
    )
    assert response.status_code == 302
    created = RoleAssignment.objects.get(user=officer, role=role)
    assert (created.unit_path, created.org_path, created.valid_to) == (
        world.commune_a.path,
        world.orgs["women_ca"].path,
        date(2026, 12, 31),
    )
    assert created.created_by == admin_a


def test_the_same_assignment_twice_is_refused_on_the_form(client, world, admin_a, settings):
    from django.utils import translation

    officer = world.users["officer_ca"]  # commission officer over commune A since 01/07/2025, no end
    role = Role.objects.get(code="commission_officer")
    url = reverse("accounts:assignment-create") + f"?user={officer.pk}"
    same = {"user": officer.pk, "role": role.pk, "unit": world.commune_a.pk, "valid_from": "2026-01-01"}
    settings.LANGUAGE_CODE = "vi"  # this module's tests run in English (see conftest)
    with translation.override("vi"):
        response = client.post(url, {**same, "valid_to": "2026-06-30"})
    assert response.status_code == 200
    assert form_errors(response) == [
        "Người này đã được giao vai trò này trên cùng đơn vị và tổ chức từ 01/07/2025, không có ngày kết "
        "thúc: hai khoảng thời gian trùng nhau. Hãy kết thúc phân quyền đó trước, hoặc chọn ngày khác."
    ]
    assert "Người này đã được giao vai trò này" in response.content.decode()
    assert RoleAssignment.objects.filter(user=officer).count() == 1


def test_the_same_role_is_given_again_for_another_organisation_or_a_later_period(world, admin_a):
    officer = world.users["officer_ca"]
    role = Role.objects.get(code="leader")
    first = services.assignment_create(
        actor=admin_a,
        user=officer,
        role=role,
        unit=world.commune_a,
        valid_from=date(2026, 1, 1),
        valid_to=date(2026, 6, 30),
    )
    with pytest.raises(ValidationError) as refused:  # one day in common is enough
        services.assignment_create(
            actor=admin_a, user=officer, role=role, unit=world.commune_a, valid_from=date(2026, 6, 30)
        )
    assert "from 01/01/2026 to 30/06/2026" in refused.value.messages[0]
    services.assignment_create(
        actor=admin_a, user=officer, role=role, unit=world.commune_a, valid_from=date(2026, 7, 1)
    )
    services.assignment_create(
        actor=admin_a,
        user=officer,
        role=role,
        unit=world.commune_a,
        organisation=world.orgs["women_ca"],
        valid_from=date(2026, 1, 1),
    )
    assert RoleAssignment.objects.filter(user=officer, role=role).exclude(pk=first.pk).count() == 2


def test_cannot_assign_a_role_in_another_province(client, world, admin_a):
    officer = world.users["officer_ca"]
    role = Role.objects.get(code="leader")
    response = client.post(
        reverse("accounts:assignment-create"),
        {"user": officer.pk, "role": role.pk, "unit": world.province_b.pk, "valid_from": "2026-01-01"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["unit"]
    assert not RoleAssignment.objects.filter(user=officer, role=role).exists()
    with pytest.raises(PermissionDenied):
        services.assignment_create(actor=admin_a, user=officer, role=role, unit=world.province_b)


def test_cannot_assign_to_a_user_out_of_scope(client, world, admin_a):
    assert (
        client.get(reverse("accounts:assignment-create") + f"?user={world.users['admin_b'].pk}").status_code
        == 404
    )
    with pytest.raises(PermissionDenied):
        services.assignment_create(
            actor=admin_a,
            user=world.users["admin_b"],
            role=Role.objects.get(code="leader"),
            unit=world.commune_a,
        )


def test_cannot_grant_permissions_one_lacks(client, world, admin_a):
    auditor = Role.objects.create(code="auditor", name="Auditor")
    auditor.permissions.add(
        Permission.objects.get(codename="change_role", content_type__app_label="accounts")
    )
    officer = world.users["officer_ca"]
    response = client.post(
        reverse("accounts:assignment-create"),
        {"user": officer.pk, "role": auditor.pk, "unit": world.commune_a.pk, "valid_from": "2026-01-01"},
    )
    assert response.status_code == 200
    [error] = response.context["form"].non_field_errors()
    assert "permissions you do not hold yourself" in error
    assert not RoleAssignment.objects.filter(role=auditor).exists()


def test_commune_admin_cannot_grant_province_wide_or_take_over_a_wider_account(client, world):
    admin_ca = make_user("admin_ca", "system_admin", world.commune_a)
    province_admin = make_user("prov_admin", "system_admin", world.province_a)
    # the province administrator's account is registered at the commune, within admin_ca's scope
    User.objects.filter(pk=province_admin.pk).update(
        home_unit=world.commune_a, home_unit_path=world.commune_a.path
    )
    province_admin.refresh_from_db()
    client.force_login(admin_ca)

    page = client.get(reverse("accounts:assignment-create"))
    assert world.province_a.pk not in _choices(page, "unit")

    response = client.post(
        reverse("accounts:user-password", args=[province_admin.pk]),
        {"new_password1": "Mat-khau-chiem-quyen-2026", "new_password2": "Mat-khau-chiem-quyen-2026"},
    )
    assert response.status_code == 200
    assert "permissions you do not hold yourself" in form_errors(response)[0]
    province_admin.refresh_from_db()
    assert not province_admin.check_password("Mat-khau-chiem-quyen-2026")
    response = client.post(
        reverse("accounts:user-update", args=[province_admin.pk]),
        {"full_name": "X", "email": "attacker@evil.vn", "home_unit": world.commune_a.pk, "is_active": "on"},
    )
    assert response.status_code == 200
    province_admin.refresh_from_db()
    assert province_admin.email == ""


def test_nobody_can_manage_a_superuser_but_a_superuser(world):
    root = superuser()
    User.objects.filter(pk=root.pk).update(home_unit=world.commune_a, home_unit_path=world.commune_a.path)
    root.refresh_from_db()
    with pytest.raises(PermissionDenied):
        services.user_set_password(
            actor=world.users["admin_a"], user=root, password="Mat-khau-chiem-quyen-2026"
        )


def test_end_assignment_takes_effect_at_once(client, world, admin_a):
    officer = User.objects.get(pk=world.users["officer_ca"].pk)
    assert officer.has_perm("structure.view_unit")
    assignment = RoleAssignment.objects.get(user=officer)
    response = client.post(reverse("accounts:assignment-end", args=[assignment.pk]))
    assert response.status_code == 302
    assignment.refresh_from_db()
    assert assignment.valid_to == timezone.localdate() - timedelta(days=1)
    assert not User.objects.get(pk=officer.pk).has_perm("structure.view_unit")
    # the end button is gone from the user's page
    detail = client.get(reverse("accounts:user-detail", args=[officer.pk]))
    assert [row["can_end"] for row in detail.context["assignments"]] == [False]


def test_ending_an_assignment_that_starts_today_removes_it(world, admin_a):
    officer = world.users["officer_ca"]
    today_one = services.assignment_create(
        actor=admin_a, user=officer, role=Role.objects.get(code="leader"), unit=world.commune_a
    )
    services.assignment_end(actor=admin_a, assignment=today_one)
    assert not RoleAssignment.objects.filter(pk=today_one.pk).exists()


def test_cannot_end_an_assignment_out_of_scope(client, world, admin_a):
    other = RoleAssignment.objects.get(user=world.users["admin_b"])
    assert client.post(reverse("accounts:assignment-end", args=[other.pk])).status_code == 404
    other.refresh_from_db()
    assert other.valid_to is None


def test_user_detail_lists_assignments_with_end_buttons(client, world, admin_a):
    officer = world.users["officer_ca"]
    response = client.get(reverse("accounts:user-detail", args=[officer.pk]))
    assert response.status_code == 200
    [row] = response.context["assignments"]
    assert row["can_end"] and row["status"] == "current"
    assert reverse("accounts:assignment-end", args=[row["assignment"].pk]).encode() in response.content


def test_user_detail_names_the_creation_date_in_vietnamese(client, world, admin_a, settings):
    from django.utils import translation

    officer = world.users["officer_ca"]
    settings.LANGUAGE_CODE = "vi"  # this module's tests run in English (see conftest)
    with translation.override("vi"):
        body = client.get(reverse("accounts:user-detail", args=[officer.pk])).content.decode()
    joined = timezone.localtime(officer.date_joined)
    assert f'<dt class="col-5">Ngày tạo</dt><dd class="col-7">{joined:%d/%m/%Y}</dd>' in body
    assert "Tạo mới" not in body  # the action's word ("Created" in the change history) stays there


def test_unlock_an_account(client, world, admin_a):
    officer = world.users["officer_ca"]
    User.objects.filter(pk=officer.pk).update(
        locked_until=timezone.now() + timedelta(minutes=10), failed_login_count=0
    )
    assert client.post(reverse("accounts:user-unlock", args=[officer.pk])).status_code == 302
    officer.refresh_from_db()
    assert not officer.is_locked


def test_reset_second_factor_of_an_account(client, world, admin_a):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    officer = world.users["officer_ca"]
    TOTPDevice.objects.create(user=officer, name="lost phone", confirmed=True)
    assert client.post(reverse("accounts:user-reset-2fa", args=[officer.pk])).status_code == 302
    assert not TOTPDevice.objects.filter(user=officer).exists()
    # not one's own: a stolen password alone would then open the account
    TOTPDevice.objects.create(user=admin_a, name="my phone", confirmed=True)
    url = reverse("accounts:user-reset-2fa", args=[admin_a.pk])
    page = client.get(url, follow=True)
    assert page.redirect_chain and "cannot reset your own two-factor" in page.content.decode()
    client.post(url)
    assert TOTPDevice.objects.filter(user=admin_a).exists()


def test_role_pages_and_who_may_edit_them(client, world, admin_a):
    role = Role.objects.get(code="system_admin")
    detail = client.get(reverse("accounts:role-detail", args=[role.pk]))
    assert detail.status_code == 200
    labels = {row.label for group in detail.context["groups"] for row in group.rows}
    assert "Users" in labels
    assert b"only a superuser can change them" in detail.content

    url = reverse("accounts:role-update", args=[role.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert page.context["form"].fields["requires_2fa"].disabled
    assert client.post(url, {}).status_code == 403
    role.refresh_from_db()
    assert role.requires_2fa

    client.force_login(superuser())
    assert client.post(url, {}).status_code == 302
    role.refresh_from_db()
    assert not role.requires_2fa
    assert client.post(url, {"requires_2fa": "on"}).status_code == 302
    role.refresh_from_db()
    assert role.requires_2fa


def test_without_permissions_nothing_is_reachable(client, world):
    client.force_login(world.users["nobody"])
    assert client.get(reverse("accounts:user-list")).status_code == 403  # not an always-empty list
    assert client.get(reverse("accounts:user-create")).status_code == 403
    assert client.get(reverse("accounts:assignment-create")).status_code == 403
    role = Role.objects.first()
    assert client.get(reverse("accounts:role-detail", args=[role.pk])).status_code == 404
    # a commission officer may see units but manages no account
    client.force_login(world.users["officer_ca"])
    assert client.get(reverse("accounts:user-detail", args=[world.users["officer_ca"].pk])).status_code == 404
    assert client.get(reverse("accounts:user-create")).status_code == 403


def test_home_unit_choices_follow_the_account_permission_not_the_view_scope(client, world):
    """Seeing the whole province is not managing it: choices come from where one may add accounts."""
    mixed = make_user("mixed", "commission_officer", world.province_a)
    services.assignment_create(
        actor=superuser(), user=mixed, role=Role.objects.get(code="system_admin"), unit=world.commune_a
    )
    client.force_login(mixed)
    units = _choices(client.get(reverse("accounts:user-create")), "home_unit")
    assert world.commune_a.pk in units and world.village_a.pk in units
    assert world.province_a.pk not in units and world.commune_a2.pk not in units


def test_domain_roles_can_be_given_but_not_to_oneself(world):
    """An administrator hands out the modules' roles in its scope (they hold no administrative power),
    but never to itself."""
    from django.core.exceptions import PermissionDenied as Denied

    from danvan.accounts import services

    admin = world.users["admin_a"]
    reception = Role.objects.get(code="reception_officer")
    extra = Permission.objects.filter(content_type__app_label="structure", codename="delete_branch").first()
    reception.permissions.add(extra)  # a module permission the administrator may not hold itself
    target = world.users["officer_ca"]
    assignment = services.assignment_create(actor=admin, user=target, role=reception, unit=world.commune_a)
    assert assignment.pk
    with pytest.raises(Denied):
        services.assignment_create(actor=admin, user=admin, role=reception, unit=world.commune_a)


def test_the_role_list_offers_a_search_not_every_permission_in_english(client, world, admin_a):
    page = client.get(reverse("accounts:role-list")).content.decode()
    assert "Can add" not in page and "role assignment event" not in page
    found = client.get(reverse("accounts:role-list") + "?q=leader")
    assert [row.record.code for row in found.context["table"].rows] == ["leader"]


def test_a_roles_special_permissions_are_named_in_vietnamese(client, world, admin_a, settings):
    from django.utils import translation

    role = Role.objects.create(code="reader", name="Reader")
    role.permissions.add(Permission.objects.get(codename="view_citizen_id"))
    settings.LANGUAGE_CODE = "vi"  # this module's tests run in English (see conftest)
    with translation.override("vi"):
        page = client.get(reverse("accounts:role-detail", args=[role.pk])).content.decode()
    assert "Được xem đầy đủ số CCCD" in page and "Can see citizen IDs in full" not in page
