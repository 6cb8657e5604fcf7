from __future__ import annotations

import csv
from datetime import date

import pytest

from danvan.nlp.places import Gazetteer
from danvan.nlp.resources import reference_path, units_path


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    return Gazetteer.default()


def linked(gazetteer: Gazetteer, text: str, **options) -> list[tuple[str, str | None]]:
    return [(m.surface, m.unit.id if m.unit else None) for m in gazetteer.link(text, **options)]


def test_counts(gazetteer):
    kinds = [u.kind for u in gazetteer.units.values()]
    assert kinds.count("province") == 34
    assert kinds.count("commune") == 3321
    assert kinds.count("legacy_province") == 63


def test_every_current_province_links_by_its_name(gazetteer):
    with open(units_path("provinces.csv"), encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            mentions = gazetteer.link(f"Tin từ {row['name']} hôm nay")
            assert [m.unit.id for m in mentions] == [f"province:{row['code']}"], row["name"]


def test_every_legacy_province_links_with_its_successor(gazetteer):
    with open(reference_path("legacy_provinces.csv"), encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            mentions = gazetteer.link(f"Năm 2020 ở {row['name']}", as_of=date(2020, 5, 1))
            assert len(mentions) == 1, row["name"]
            assert mentions[0].unit.id == f"legacy_province:{row['legacy_code']}"
            assert mentions[0].province_code == row["successor_code"]


def test_every_commune_is_a_candidate_of_its_prefixed_name(gazetteer):
    with open(units_path("communes.csv"), encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            mentions = gazetteer.link(f"Người dân {row['name']} phản ánh")
            assert len(mentions) == 1, row["name"]
            ids = {c.id for c in mentions[0].candidates}
            assert f"commune:{row['code']}" in ids, row["name"]


def test_a_code_is_not_an_identity(gazetteer):
    # old Yên Bái and today's Lào Cai both have code 15; old Lào Cai had 10
    assert linked(gazetteer, "Lũ ở Yên Bái") == [("Yên Bái", "legacy_province:15")]
    assert linked(gazetteer, "Lũ ở Lào Cai") == [("Lào Cai", "province:15")]
    assert linked(gazetteer, "Lũ ở Lào Cai", as_of=date(2024, 9, 9)) == [("Lào Cai", "legacy_province:10")]
    yen_bai = gazetteer.unit("legacy_province:15")
    assert yen_bai.code == gazetteer.unit("province:15").code and yen_bai != gazetteer.unit("province:15")
    assert yen_bai.valid_to == "2025-06-30"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Kẹt xe ở TP.HCM", "province:79"),
        ("Kẹt xe ở TPHCM", "province:79"),
        ("Kẹt xe ở TP HCM", "province:79"),
        ("Mưa ở Sài Gòn", "province:79"),
        ("về thăm Huế", "province:46"),
        ("thành phố Hồ Chí Minh", "province:79"),
        ("tỉnh Thanh Hoá", "province:38"),
        ("Khánh Hoà", "province:56"),
        ("dan ha noi", "province:01"),
        ("Ha Noi va Da Nang", "province:01"),
        ("ra HN công tác", "province:01"),
        ("Đắc Lắc", "province:66"),
        ("BR-VT", "legacy_province:77"),
    ],
)
def test_names_short_forms_and_missing_diacritics(gazetteer, text, expected):
    assert linked(gazetteer, text)[0][1] == expected


def test_diacritics_are_respected_when_written(gazetteer):
    assert linked(gazetteer, "Hà Năm") == []


def test_not_places(gazetteer):
    assert linked(gazetteer, "Chúng tôi muốn hòa bình và thái bình") == []
    assert linked(gazetteer, "Nhà ở đường Hà Nội, gần cầu Sài Gòn") == []
    assert linked(gazetteer, "Chủ tịch Hồ Chí Minh") == []
    assert linked(gazetteer, "thị xã Sơn Tây cũ") == []
    assert linked(gazetteer, "hn") == []  # the short form only in capitals


def test_ambiguous_commune_resolved_by_nearby_province(gazetteer):
    # ten communes are named Tân An
    assert len({c.id for c in gazetteer.link("xã Tân An")[0].candidates}) == 10
    assert linked(gazetteer, "Ngập ở phường Tân An, Cần Thơ") == [
        ("phường Tân An", "commune:31147"),
        ("Cần Thơ", "province:92"),
    ]
    assert linked(gazetteer, "Tỉnh Đắk Lắk: sạt lở ở P. Tân An")[1] == ("P. Tân An", "commune:24163")


def test_nearest_province_wins(gazetteer):
    text = "Đoàn từ Cần Thơ đến xã Tân An, tỉnh An Giang để hỗ trợ"
    commune = [m for m in gazetteer.link(text) if m.unit and m.unit.kind == "commune"]
    assert [m.unit.id for m in commune] == ["commune:30388"]
    assert commune[0].province_code == "91"


def test_legacy_province_resolves_to_its_successor(gazetteer):
    # "xã Tân An" in (old) Long An → today's Tây Ninh (80) has a Phường Tân An
    mentions = gazetteer.link("xã Tân An, tỉnh Long An")
    assert mentions[0].unit.id == "commune:27712"


def test_unresolved_without_context_then_hint(gazetteer):
    mention = gazetteer.link("Mưa lớn ở xã Tân An")[0]
    assert mention.unit is None and mention.ambiguous
    assert mention.province_code is None
    assert linked(gazetteer, "Mưa lớn ở xã Tân An", province_hint="86") == [("xã Tân An", "commune:29278")]


def test_unique_commune_and_context_without_type_word(gazetteer):
    assert linked(gazetteer, "phường Bắc Nha Trang") == [("phường Bắc Nha Trang", "commune:22333")]
    assert linked(gazetteer, "Tôi sống ở Ba Đình, Hà Nội") == [
        ("Ba Đình", "commune:00004"),
        ("Hà Nội", "province:01"),
    ]
    assert linked(gazetteer, "phường Sài Gòn") == [("phường Sài Gòn", "commune:26740")]


def test_offsets_and_dict(gazetteer):
    text = "Mưa ở Cần Thơ"
    mention = gazetteer.link(text)[0]
    assert text[mention.start : mention.end] == "Cần Thơ"
    data = mention.to_dict()
    assert data["unit"]["id"] == "province:92" and data["province_code"] == "92"


def test_lookup(gazetteer):
    assert {u.id for u in gazetteer.lookup("Thành phố Cần Thơ")} >= {"province:92", "legacy_province:92"}
    assert "commune:00004" in {u.id for u in gazetteer.lookup("Phường Ba Đình")}
