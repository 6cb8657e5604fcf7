from __future__ import annotations

import io
import json

import pytest

from danvan.nlp.cli import main


def run(monkeypatch, capsys, argv: list[str], stdin: str = "") -> tuple[int, str, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def jsonl(lines: list[dict]) -> str:
    return "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines)


@pytest.fixture
def data_files(tmp_path, sentiment_data):
    texts, labels = sentiment_data
    train = tmp_path / "train.jsonl.gz"
    import gzip

    with gzip.open(train, "wt", encoding="utf-8") as fh:
        fh.write(jsonl([{"text": t, "label": label} for t, label in zip(texts, labels, strict=True)]))
    dev = tmp_path / "dev.jsonl"
    dev.write_text(
        jsonl([{"text": "thầy nhiệt tình, dạy hay", "label": "positive"},
               {"text": "phòng học nóng, wifi yếu", "label": "negative"}]),
        encoding="utf-8",
    )  # fmt: skip
    return train, dev


def test_train_evaluate_predict(monkeypatch, capsys, tmp_path, data_files):
    train, dev = data_files
    model = tmp_path / "model"
    code, _, err = run(monkeypatch, capsys, ["train", "--train", str(train), "--dev", str(dev), "--out", str(model),
                                             "--C", "0.3", "1", "--metric", "macro_f1"])  # fmt: skip
    assert code == 0, err
    card = json.loads((model / "model_card.json").read_text())
    assert card["metrics"]["dev"]["n"] == 2 and len(card["tuning"]) == 2

    code, out, _ = run(monkeypatch, capsys, ["evaluate", "--model", str(model), "--data", str(dev)])
    assert code == 0
    lines = out.strip().splitlines()
    assert any(line.startswith("positive") for line in lines)
    summary = json.loads(lines[-1])
    assert set(summary) == {"n", "accuracy", "macro_f1", "weighted_f1", "seconds", "docs_per_second"}
    assert summary["n"] == 2 and summary["accuracy"] == 1.0

    stdin = jsonl([{"text": "cô dạy rất dễ hiểu", "id": 7}, {"text": "máy chiếu hỏng"}])
    code, out, _ = run(monkeypatch, capsys, ["predict", "--model", str(model)], stdin)
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r["label"] for r in rows] == ["positive", "negative"]
    assert rows[0]["id"] == 7 and abs(sum(rows[0]["scores"].values()) - 1) < 1e-3


def test_train_without_dev_holds_out_and_refits(monkeypatch, capsys, tmp_path, data_files):
    train, _ = data_files
    code, _, err = run(monkeypatch, capsys, ["train", "--train", str(train), "--out", str(tmp_path / "m"),
                                             "--C", "1", "--holdout", "0.25"])  # fmt: skip
    assert code == 0, err
    card = json.loads((tmp_path / "m" / "model_card.json").read_text())
    assert "held out" in card["metrics"]["dev_source"]
    assert card["training_data"]["fitted_on"].startswith("train + held-out")


def test_user_errors_exit_2(monkeypatch, capsys, tmp_path):
    code, _, err = run(monkeypatch, capsys, ["evaluate", "--model", str(tmp_path), "--data", "x.jsonl"])
    assert code == 2 and "error" in err
    code, _, err = run(
        monkeypatch, capsys, ["convert", "--from", "vihsd", str(tmp_path / "no"), "--out", "-"]
    )
    assert code == 2 and "no such file" in err


def test_places_command(monkeypatch, capsys):
    stdin = jsonl(
        [
            {"id": 1, "text": "Ngập ở phường Tân An, Cần Thơ"},
            {"id": 2, "text": "Lũ ở Lào Cai", "date": "2024-09-09"},
        ]
    )
    code, out, _ = run(monkeypatch, capsys, ["places"], stdin)
    assert code == 0
    first, second = (json.loads(line) for line in out.splitlines())
    assert [p["unit"]["id"] for p in first["places"]] == ["commune:31147", "province:92"]
    assert first["province_codes"] == ["92"]
    assert second["places"][0]["unit"]["id"] == "legacy_province:10"
    assert second["province_codes"] == ["15"]


def test_dedup_command(monkeypatch, capsys):
    text = "Giá xăng tăng mạnh từ chiều nay, người dân xếp hàng dài ở các cây xăng"
    stdin = jsonl([{"id": "a", "text": text}, {"id": "b", "text": "Trường thu thêm phí ngoài quy định"},
                   {"id": "c", "text": text.upper() + "!!"}])  # fmt: skip
    code, out, _ = run(monkeypatch, capsys, ["dedup", "--threshold", "0.8"], stdin)
    rows = {r["id"]: r for r in map(json.loads, out.splitlines())}
    assert rows["c"]["cluster"] == "a" and rows["c"]["duplicate_of"] == "a" and rows["a"]["cluster_size"] == 2
    assert rows["b"]["cluster"] == "b" and rows["b"]["duplicate_of"] is None
    code, out, _ = run(monkeypatch, capsys, ["dedup", "--clusters"], stdin)
    assert [json.loads(line)["ids"] for line in out.splitlines()] == [["a", "c"]]


def test_bursts_command(monkeypatch, capsys):
    counts = [10, 11, 9, 10, 12, 10, 9, 11, 10, 10, 60, 10, 11]
    code, out, _ = run(monkeypatch, capsys, ["bursts", "--horizon", "3"], json.dumps(counts))
    assert code == 0
    result = json.loads(out)
    assert [b["index"] for b in result["bursts"]] == [10]
    assert len(result["forecast"]["mean"]) == 3
    code, _, err = run(monkeypatch, capsys, ["bursts"], "not json")
    assert code == 2
