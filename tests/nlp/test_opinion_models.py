"""Opinion bundle: training, save/load, analyze, evaluate, retrain, the evaluate command and the shipped bundle."""

import json
from pathlib import Path

import pytest

from danvan.nlp.datasets import read_jsonl
from danvan.nlp.opinion import (
    OpinionAnalyzer,
    OpinionConfig,
    OpinionIntegrityError,
    evaluate,
    is_article,
    retrain,
    train,
)

ROOT = Path(__file__).resolve().parents[2]
TRAIN = ROOT / "data" / "opinion" / "train.jsonl"
SHIPPED = ROOT / "data" / "models" / "opinion" / "default"
SUMMARY = {"field_accuracy", "field_macro_f1", "relevance_f1", "sentiment_weighted_f1", "n"}


@pytest.fixture(scope="module")
def records():
    # a small slice keeps the training-based tests quick (the shipped bundle covers quality)
    return list(read_jsonl(TRAIN))[:320]


@pytest.fixture(scope="module")
def bundle(records, tmp_path_factory):
    toxic = [{"text": "đồ ngu mất dạy", "toxic": True}, {"text": "cảm ơn bạn", "toxic": False}] * 10
    return train(records[:260], tmp_path_factory.mktemp("op") / "b", toxic_records=toxic, seed=1)


def test_round_trip_and_card(bundle):
    a = OpinionAnalyzer.load(bundle)
    assert a.version.startswith("opinion-")
    assert a.card["research_only"]["toxic"] is True
    assert 230 <= a.card["sizes"]["base_records"] <= 260
    assert "not_relevant" in a.card["labels"]["field"]


def test_hash_check(bundle, tmp_path):
    import shutil

    copy = tmp_path / "c"
    shutil.copytree(bundle, copy)
    with open(copy / "model.pkl", "ab") as fh:
        fh.write(b"x")
    with pytest.raises(OpinionIntegrityError):
        OpinionAnalyzer.load(copy)


def test_analyze_shape(bundle):
    a = OpinionAnalyzer.load(bundle)
    out = a.analyze([{"text": "Bệnh viện quá tải", "title": "Y tế"}, "Trận bóng tối qua"])
    assert len(out) == 2
    for x in out:
        assert x.sentiment in {"negative", "neutral", "positive"}
        assert x.field in a.field_labels
        assert (x.field == "not_relevant") == (not x.relevant)
        assert 0 <= x.field_confidence <= 1 and len(x.field_scores) <= 3
        assert isinstance(x.toxic, bool)


def test_evaluate_keys(bundle, records):
    result = evaluate(OpinionAnalyzer.load(bundle), records[260:])
    assert SUMMARY <= set(result)
    assert result["n"] == 60
    assert "per_class" in result["field"]


def test_retrain_compares(bundle, records, tmp_path):
    analysts = records[260:]
    path, report = retrain(
        records[:160], analysts, tmp_path / "new", holdout_fraction=0.3, seed=2, current=bundle
    )
    assert OpinionAnalyzer.load(path).card["data"]["analyst_labels_held_back"] == report["holdout_n"] > 0
    assert set(report["current"]) == SUMMARY and set(report["candidate"]) == SUMMARY
    assert set(report["delta"]) == SUMMARY - {"n"}
    assert isinstance(report["better"], bool)


@pytest.mark.django_db
def test_command_last_line_json(bundle, records, tmp_path, capsys):
    from django.core.management import call_command

    data = tmp_path / "gold.jsonl"
    data.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records[260:280]), encoding="utf-8")
    call_command("opinion_evaluate", data=str(data), model=str(bundle))
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert set(json.loads(last)) == SUMMARY


@pytest.mark.django_db
def test_command_bad_input(bundle, tmp_path):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="file not found"):
        call_command("opinion_evaluate", data=str(tmp_path / "missing.jsonl"), model=str(bundle))
    bad = tmp_path / "bad.jsonl"
    bad.write_text(
        '{"text": "a", "field": "health", "sentiment": "neutral"}\n{"text": "b"}\n', encoding="utf-8"
    )
    with pytest.raises(CommandError, match="line 2"):
        call_command("opinion_evaluate", data=str(bad), model=str(bundle))


def test_shipped_bundle_sensible():
    a = OpinionAnalyzer.load(SHIPPED)
    road, doctor, football = a.analyze(
        [
            "Đường xuống cấp, ổ gà khắp nơi",
            "Cảm ơn các bác sĩ bệnh viện đã tận tình cứu chữa",
            "Trận đấu tối qua Messi ghi 2 bàn",
        ]
    )
    assert road.field == "infrastructure" and road.sentiment == "negative"
    assert doctor.field == "health" and doctor.sentiment == "positive"
    assert not football.relevant


def test_is_article():
    assert is_article({"text": "x", "title": "Bão số 3 đổ bộ"})
    assert not is_article({"text": "x", "article_title": "Bão số 3 đổ bộ"})
    assert not is_article({"text": "x", "title": "t", "article_title": "t"})  # a comment given both keys
    assert is_article({"text": "x", "title": "t", "article_title": "t", "kind": "article"})
    assert not is_article({"text": "x", "title": "t", "kind": "comment"})
    assert not is_article({"text": "x"})


def _split_records():
    # the same texts (numbers normalise to one token) carry opposite sentiment in articles and in comments:
    # only the split models can learn both
    words = {"negative": "mưa lớn", "neutral": "họp dân", "positive": "khen thưởng"}
    flipped = {"negative": "khen thưởng", "neutral": "họp dân", "positive": "mưa lớn"}
    out = []
    for i in range(60):
        sentiment = ("negative", "neutral", "positive")[i % 3]
        field = ("health", "education")[(i // 3) % 2]
        out.append(
            {
                "text": f"{words[sentiment]} {i}",
                "title": f"Tin {field}",
                "field": field,
                "sentiment": sentiment,
            }
        )
        out.append(
            {
                "text": f"{flipped[sentiment]} {i}",
                "article_title": f"Tin {field}",
                "field": field,
                "sentiment": sentiment,
            }
        )
    return out


def test_sentiment_split_models(tmp_path):
    from dataclasses import replace

    data = _split_records()
    split = OpinionAnalyzer.load(train(data, tmp_path / "s", seed=1))
    assert split.config.sentiment_split and split.core["sentiment_article"] is not None
    article, comment = split.analyze(
        [
            {"text": "khen thưởng 99", "title": "Tin health"},
            {"text": "khen thưởng 99", "article_title": "Tin health"},
        ]
    )
    assert article.sentiment == "positive" and comment.sentiment == "negative"
    one = OpinionAnalyzer.load(
        train(data, tmp_path / "o", seed=1, config=replace(OpinionConfig(), sentiment_split=False))
    )
    assert one.core["sentiment_article"] is None
    assert evaluate(split, data)["sentiment_weighted_f1"] > evaluate(one, data)["sentiment_weighted_f1"]


def test_sentiment_split_falls_back_without_articles(tmp_path):
    data = [r for r in _split_records() if "article_title" in r]
    a = OpinionAnalyzer.load(train(data, tmp_path / "c", seed=1))
    assert a.core["sentiment_article"] is None
    assert a.analyze([{"text": "họp dân", "title": "Tin"}])[0].sentiment in {
        "negative",
        "neutral",
        "positive",
    }


def test_items_without_a_title_go_to_the_untitled_models(records, tmp_path):
    from dataclasses import replace

    from danvan.nlp.opinion import _decide, _predict_core, untitled_training_set, without_title

    config = OpinionConfig()
    assert config.untitled_core  # the default
    a = OpinionAnalyzer.load(train(records[:260], tmp_path / "u", seed=1, config=config))
    assert a.untitled is not None and a.untitled is not a.core
    # one field and one sentiment model there: articles without any title are rare
    assert a.untitled["field_article"] is None and a.untitled["sentiment_article"] is None
    titled = {"text": "Đường vào ấp xuống cấp, ổ gà khắp nơi", "article_title": "Giao thông nông thôn"}
    bare = without_title(titled)
    assert "article_title" not in bare and bare["kind"] == "comment"
    assert without_title({"text": "x", "title": "Tin"})["kind"] == "article"
    got_titled, got_bare = a.analyze([titled, bare])
    for item, core, got in ((titled, a.core, got_titled), (bare, a.untitled, got_bare)):
        expected = _decide(_predict_core(core, a.config, [item]), a.config, 0)
        assert (got.field, got.sentiment) == (expected[2], expected[5])
        assert got.field_confidence == round(expected[3], 4)
    # the untitled models learn from every record and a title-less copy of each one that has a title
    with_title = sum(1 for r in records[:260] if r.get("title") or r.get("article_title"))
    assert len(untitled_training_set(records[:260])) == 260 + with_title
    # a bundle without them sends every item to the main models
    plain = OpinionAnalyzer.load(
        train(records[:260], tmp_path / "p", seed=1, config=replace(config, untitled_core=False))
    )
    assert plain.untitled is None
    expected = _decide(_predict_core(plain.core, plain.config, [bare]), plain.config, 0)
    assert plain.analyze([bare])[0].field == expected[2]


def test_field_split_model_scores_articles(tmp_path):
    # identical texts: the comments (twice as many) say one field, the articles the other
    pairs = {"trường học mới": ("education", "health"), "bệnh viện mới": ("health", "education")}
    data = []
    for i in range(30):
        sentiment = ("negative", "neutral", "positive")[i % 3]
        for text, (comment_field, article_field) in pairs.items():
            row = {"text": f"{text} {i}", "sentiment": sentiment}
            data.append(dict(row, article_title="Tin", field=comment_field))
            data.append(dict(row, article_title="Tin", field=comment_field))
            data.append(dict(row, title="Tin", field=article_field))
    a = OpinionAnalyzer.load(train(data, tmp_path / "f", seed=1))
    assert a.core["field_article"] is not None
    article, comment = a.analyze(
        [{"text": "trường học mới 7", "title": "Tin"}, {"text": "trường học mới 7", "article_title": "Tin"}]
    )
    assert (article.field, comment.field) == ("health", "education")
    assert set(article.field_scores) <= set(a.field_labels)
