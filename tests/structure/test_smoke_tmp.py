import pytest
from django.urls import reverse
from tests.factories import superuser

pytestmark = pytest.mark.django_db

def test_pages(world, client_for):
    w = world
    for user in (w.users["admin_a"], superuser(), w.users["officer_ca"], w.users["women_officer_ca"]):
        c = client_for(user)
        urls = [
            reverse("structure:unit-list"), reverse("structure:unit-tree"), reverse("structure:unit-tree") + "?q=phu+hoa",
            reverse("structure:unit-detail", args=[w.province_a.pk]), reverse("structure:unit-detail", args=[w.commune_a.pk]),
            reverse("structure:unit-detail", args=[w.village_a.pk]), reverse("structure:unit-children", args=[w.province_a.pk]),
            reverse("structure:organisation-list"), reverse("structure:organisation-tree"), reverse("structure:organisation-tree") + "?q=phu nu",
            reverse("structure:organisation-detail", args=[w.orgs["women_ca"].pk]),
            reverse("structure:organisation-children", args=[w.orgs["women_ca"].pk]),
            reverse("structure:branch-list"), reverse("structure:branch-detail", args=[w.branches["women_va"].pk]),
            reverse("structure:unit-create", args=[w.commune_a.pk]), reverse("structure:unit-update", args=[w.village_a.pk]),
            reverse("structure:unit-deactivate", args=[w.village_a.pk]),
            reverse("structure:organisation-create"), reverse("structure:organisation-update", args=[w.orgs["women_ca"].pk]),
            reverse("structure:branch-create"), reverse("structure:branch-create") + f"?organisation={w.orgs['women_ca'].pk}",
            reverse("structure:branch-update", args=[w.branches["women_va"].pk]),
            reverse("structure:unit-import"), reverse("structure:branch-import"),
            reverse("structure:unit-import-template"), reverse("structure:branch-import-template"),
            reverse("structure:unit-choices") + "?q=an", reverse("structure:organisation-choices") + "?q=phu",
            reverse("structure:branch-choices") + f"?organisation={w.orgs['women_ca'].pk}",
        ]
        for url in urls:
            r = c.get(url)
            print(user.username, r.status_code, url)
            assert r.status_code in (200, 403, 404), (url, r.status_code)
