from __future__ import annotations

import gzip
import json

import pytest

from danvan.nlp.datasets import DatasetError, convert, load_meta, read_jsonl, read_texts_labels


def test_vsfc_folder_layout(tmp_path):
    split = tmp_path / "dev"
    split.mkdir()
    (split / "sents.txt").write_text("thầy dạy hay .\nphòng nóng .\nbình thường", encoding="utf-8")
    (split / "sentiments.txt").write_text("2\n0\n1", encoding="utf-8")
    (split / "topics.txt").write_text("0\n2\n3", encoding="utf-8")
    summary = convert("vsfc", tmp_path, tmp_path / "s.jsonl", split="dev", field="sentiment")
    assert summary["labels"] == {"negative": 1, "neutral": 1, "positive": 1}
    assert [r["label"] for r in read_jsonl(tmp_path / "s.jsonl")] == ["positive", "negative", "neutral"]
    convert("vsfc", split, tmp_path / "t.jsonl.gz", field="topic")
    assert [r["label"] for r in read_jsonl(tmp_path / "t.jsonl.gz")] == ["lecturer", "facility", "others"]
    assert load_meta(tmp_path / "t.jsonl.gz")["research_only"] is True


def test_vsfc_mismatched_lines(tmp_path):
    (tmp_path / "sents.txt").write_text("a\nb\n", encoding="utf-8")
    (tmp_path / "sentiments.txt").write_text("1\n", encoding="utf-8")
    with pytest.raises(DatasetError, match="2 sentences but 1 labels"):
        convert("vsfc", tmp_path, tmp_path / "x.jsonl")


def test_vihsd_csv(tmp_path):
    (tmp_path / "test.csv").write_text(
        'free_text,label_id\r\n"xin chào, bạn",0\r\nđồ ngu,1\r\ncút đi,2\r\n', "utf-8"
    )
    convert("vihsd", tmp_path, tmp_path / "h.jsonl", split="test")
    records = list(read_jsonl(tmp_path / "h.jsonl"))
    assert [(r["text"], r["label"]) for r in records] == [
        ("xin chào, bạn", "CLEAN"),
        ("đồ ngu", "OFFENSIVE"),
        ("cút đi", "HATE"),
    ]


def test_victsd_csv_with_context(tmp_path):
    (tmp_path / "ViCTSD_test.csv").write_text(
        ",Comment,Constructiveness,Toxicity,Title,Topic\n7,hay quá\x1c,1,0,Tiêu đề,SucKhoe\n8,ngu,0,1,Khác,TheGioi\n",
        encoding="utf-8",
    )
    convert("victsd", tmp_path, tmp_path / "v.jsonl", split="test", field="toxicity")
    records = list(read_jsonl(tmp_path / "v.jsonl"))
    assert [r["label"] for r in records] == ["non_toxic", "toxic"]
    assert records[0]["context"] == "Tiêu đề"
    convert("victsd", tmp_path / "ViCTSD_test.csv", tmp_path / "c.jsonl", field="constructiveness")
    assert [r["label"] for r in read_jsonl(tmp_path / "c.jsonl")] == ["constructive", "non_constructive"]


def test_vntc_jsonl_and_raw_utf16_layout(tmp_path):
    with gzip.open(tmp_path / "test.jsonl.gz", "wt", encoding="utf-8") as fh:
        fh.write(json.dumps({"id": "a", "label": "The thao", "text": "Bóng đá"}) + "\n")
    convert("vntc", tmp_path, tmp_path / "out.jsonl", split="test")
    assert list(read_jsonl(tmp_path / "out.jsonl"))[0]["label"] == "The thao"
    raw = tmp_path / "Test_Full" / "Van hoa"
    raw.mkdir(parents=True)
    (raw / "VH_1.txt").write_bytes("Lễ hội\r\nở Huế".encode("utf-16"))
    (tmp_path / "test.jsonl.gz").unlink()
    convert("vntc", tmp_path, tmp_path / "raw.jsonl", split="test")
    assert list(read_jsonl(tmp_path / "raw.jsonl")) == [
        {"id": "VH_1", "text": "Lễ hội\nở Huế", "label": "Van hoa"}
    ]


def test_domain_records(tmp_path):
    line = {
        "id": "x",
        "text": "Đường ngập",
        "field": "infrastructure",
        "sentiment": "negative",
        "title": "Mưa",
    }
    (tmp_path / "train.jsonl").write_text(json.dumps(line, ensure_ascii=False) + "\n", encoding="utf-8")
    convert("domain", tmp_path, tmp_path / "f.jsonl", split="train", field="sentiment")
    assert read_texts_labels(tmp_path / "f.jsonl") == (["Đường ngập"], ["negative"], ["Mưa"])


def test_errors(tmp_path):
    with pytest.raises(DatasetError, match="no such file"):
        convert("vihsd", tmp_path / "missing", tmp_path / "x.jsonl")
    with pytest.raises(DatasetError, match="unknown dataset"):
        convert("nope", tmp_path, tmp_path / "x.jsonl")
    (tmp_path / "bad.jsonl").write_text("{not json}\n", encoding="utf-8")
    with pytest.raises(DatasetError, match="not a JSON object"):
        list(read_jsonl(tmp_path / "bad.jsonl"))


def test_real_dev_splits_match_their_readmes(shared_data, tmp_path):
    assert convert("vsfc", shared_data / "raw/uit-vsfc", tmp_path / "a.jsonl", "dev", "sentiment")["labels"] == {
        "negative": 705, "neutral": 73, "positive": 805,
    }  # fmt: skip
    assert convert("vihsd", shared_data / "raw/vihsd", tmp_path / "b.jsonl", "dev")["labels"] == {
        "CLEAN": 2190, "OFFENSIVE": 212, "HATE": 270,
    }  # fmt: skip
    assert convert("victsd", shared_data / "raw/uit-victsd", tmp_path / "c.jsonl", "dev", "toxicity")["labels"] == {
        "non_toxic": 1768, "toxic": 232,
    }  # fmt: skip
