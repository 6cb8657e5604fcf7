"""Vietnamese alphabetical order of names (lists, member books, exports)."""

from __future__ import annotations

from danvan.core.text import fold, folded_name_key, name_sort_key, vietnamese_key


def test_vietnamese_letters_and_tones_order():
    words = [
        "Dương",
        "Đào",
        "Dao",
        "Ánh",
        "Anh",
        "Ăn",
        "Ân",
        "Bình",
        "Ơn",
        "Ô",
        "Ư",
        "Uy",
        "Ý",
        "Y",
        "Ỹ",
        "Ỳ",
    ]
    assert sorted(words, key=vietnamese_key) == [
        "Anh", "Ánh", "Ăn", "Ân", "Bình", "Dao", "Dương", "Đào", "Ô", "Ơn", "Uy", "Ư", "Y", "Ỳ", "Ỹ", "Ý",
    ]  # fmt: skip
    # case and Unicode form do not matter: "Hoà" typed decomposed sorts as "hoà"
    assert vietnamese_key("HOÀ") == vietnamese_key("hoa\u0300") == vietnamese_key("hoà")


def test_names_sort_by_given_name_then_family_and_middle_names():
    names = [
        "Đào Thị Lan",
        "Dương Văn Lan",
        "Trần Văn An",
        "Lê Thị Bình",
        "Lê Văn Đức",
        "Lê Văn Dũng",
        "An Bá",
    ]
    assert sorted(names, key=name_sort_key) == [
        "Trần Văn An", "An Bá", "Lê Thị Bình", "Lê Văn Dũng", "Lê Văn Đức", "Dương Văn Lan", "Đào Thị Lan",
    ]  # fmt: skip
    # the folded key (the member list's) agrees wherever diacritics do not decide
    folded = sorted((fold(n) for n in names), key=folded_name_key)
    assert folded[:3] == ["tran van an", "an ba", "le thi binh"]
    assert name_sort_key("") == ((), (), (), ())


def test_export_file_names_keep_the_d_of_dj():
    from danvan.core.exports import _filename

    assert _filename("Danh sách chưa đạt định mức", "xlsx").startswith("danh-sach-chua-dat-dinh-muc-")


def test_the_password_length_rule_speaks_vietnamese():
    import pytest
    from django.contrib.auth.password_validation import MinimumLengthValidator
    from django.core.exceptions import ValidationError
    from django.utils import translation

    with translation.override("vi"), pytest.raises(ValidationError) as refused:
        MinimumLengthValidator(10).validate("123")
    assert refused.value.messages == ["Mật khẩu quá ngắn: cần ít nhất 10 ký tự."]
