from __future__ import annotations

import pytest

from danvan.nlp.dedup import DuplicateIndex, group_duplicates, shingles

POST = "Đường Láng ngập nặng sau cơn mưa chiều nay, nhiều xe máy chết máy giữa dòng nước"


def test_copies_with_case_punctuation_and_missing_diacritics_are_duplicates():
    index = DuplicateIndex(threshold=0.8)
    assert index.add("a", POST) == []
    variants = [
        POST.upper() + "!!!",
        "duong Lang ngap nang sau con mua chieu nay, nhieu xe may chet may giua dong nuoc",
        "Đường Láng ngập nặng sau cơn mưa chiều nay... nhiều xe máy chết máy giữa dòng nước 😢",
    ]
    for number, text in enumerate(variants):
        matches = index.add(f"v{number}", text)
        assert matches and matches[0].key == "a", text
        assert matches[0].similarity >= 0.8
    assert index.clusters() == [["a", "v0", "v1", "v2"]]


def test_different_posts_are_not_grouped():
    texts = [
        POST,
        "Giá xăng tăng mạnh từ chiều nay, người dân xếp hàng dài ở các cây xăng",
        "Trường tiểu học thu thêm nhiều khoản phí ngoài quy định khiến phụ huynh bức xúc",
        "Đường Láng ngập nặng",
    ]
    assert group_duplicates(texts) == [0, 1, 2, 3]


def test_threshold_is_a_parameter():
    edited = POST.replace("chiều nay", "tối qua").replace("giữa dòng nước", "trên đường về nhà")
    strict = DuplicateIndex(threshold=0.9)
    strict.add("a", POST)
    assert strict.query(edited) == []
    loose = DuplicateIndex(threshold=0.3)
    loose.add("a", POST)
    assert [m.key for m in loose.query(edited)] == ["a"]


def test_clusters_are_transitive_and_keep_the_first_as_representative():
    index = DuplicateIndex(threshold=0.5)
    base = "một hai ba bốn năm sáu bảy tám chín mười mười một mười hai"
    index.add("first", base)
    index.add("other", "giá lúa hôm nay ở đồng bằng sông cửu long giảm nhẹ so với tuần trước")
    index.add("second", base + " mười ba mười bốn")
    index.add("third", base + " mười ba mười bốn mười lăm mười sáu")
    assert index.cluster_of("third") == "first"
    assert index.clusters() == [["first", "second", "third"]]
    assert index.clusters(min_size=1)[-1] == ["other"]


def test_query_does_not_add():
    index = DuplicateIndex()
    index.add("a", POST)
    assert [m.key for m in index.query(POST)] == ["a"]
    assert len(index) == 1 and "a" in index


def test_empty_and_short_texts():
    index = DuplicateIndex()
    assert index.add("empty", "") == []
    assert index.add("dots", "...") == []
    assert index.add("hi", "chào") == []
    assert [m.key for m in index.add("hi2", "Chào!")] == ["hi"]
    assert shingles("") == set()
    assert shingles("chào bạn") == {b"chao ban"}


def test_duplicate_key_is_refused():
    index = DuplicateIndex()
    index.add("a", POST)
    with pytest.raises(KeyError):
        index.add("a", "khác")


def test_save_and_load(tmp_path):
    index = DuplicateIndex()
    index.add("a", POST)
    index.save(tmp_path / "index.pkl")
    loaded = DuplicateIndex.load(tmp_path / "index.pkl")
    assert [m.key for m in loaded.add("b", POST + "!")] == ["a"]
    assert loaded.clusters() == [["a", "b"]]


def test_invalid_threshold():
    with pytest.raises(ValueError):
        DuplicateIndex(threshold=0)
