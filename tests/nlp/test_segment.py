from __future__ import annotations

import pytest

from danvan.nlp.segment import get_segmenter


def test_syllable_segmenter_splits_on_spaces():
    seg = get_segmenter("syllable")
    assert seg.segment("quyết định của ubnd") == ["quyết", "định", "của", "ubnd"]


@pytest.mark.parametrize("name", ["underthesea", "pyvi"])
def test_word_segmenters_join_syllables_of_a_word(name):
    seg = get_segmenter(name)
    tokens = seg.segment("người dân không đồng ý với quyết định thu hồi đất")
    assert "quyết_định" in tokens
    assert "thu_hồi" in tokens or "thu_hồi_đất" in tokens
    assert all(" " not in t for t in tokens)


@pytest.mark.parametrize("name", ["syllable", "underthesea", "pyvi"])
def test_batch_keeps_order_and_empty_texts(name):
    seg = get_segmenter(name)
    out = seg.segment_batch(["đường bị ngập", "", "giá xăng tăng"])
    assert len(out) == 3
    assert out[1] == []
    assert "".join(out[2]).replace("_", "") == "giáxăngtăng"


def test_unknown_segmenter():
    with pytest.raises(ValueError, match="unknown segmenter"):
        get_segmenter("nope")
