from __future__ import annotations

import json

import numpy as np
import pytest

from danvan.nlp.classify import Classifier, ClassifierConfig, ModelIntegrityError, tune
from danvan.nlp.training import stratified_split


@pytest.fixture
def trained(sentiment_data) -> Classifier:
    texts, labels = sentiment_data
    return Classifier.train(texts, labels, ClassifierConfig(C=1.0, calibration_cv=2))


def test_predicts_unseen_paraphrases(trained):
    assert trained.predict(["thầy rất nhiệt tình, dạy dễ hiểu", "phòng học nóng quá, máy chiếu hỏng"]) == [
        "positive",
        "negative",
    ]


def test_probabilities_are_calibrated_rows(trained):
    proba = trained.predict_proba(["thầy dạy hay", "wifi yếu", ""])
    assert proba.shape == (3, 2)
    assert np.allclose(proba.sum(axis=1), 1.0)
    assert ((proba >= 0) & (proba <= 1)).all()
    scores = trained.predict_scores(["thầy dạy hay"])[0]
    assert set(scores) == {"negative", "positive"}
    assert scores["positive"] > scores["negative"]


def test_teencode_and_missing_diacritics_reach_the_same_words(sentiment_data):
    texts, labels = sentiment_data
    clf = Classifier.train(texts, labels, ClassifierConfig(C=1.0, calibration_cv=2, folded_ngrams=(1, 1)))
    # "ko" → "không" by the slang dictionary; "nhiet tinh" matches "nhiệt tình" through the folded block
    assert clf.predict(["thay day rat nhiet tinh, de hieu"]) == ["positive"]


def test_save_and_load_round_trip(tmp_path, trained):
    texts = ["thầy giảng hay", "phòng học nóng"]
    trained.save(tmp_path / "m", task="sentiment-test", training_data={"licence": "test"})
    card = json.loads((tmp_path / "m" / "model_card.json").read_text())
    assert card["task"] == "sentiment-test"
    assert card["labels"] == ["negative", "positive"]
    assert card["training_data"]["licence"] == "test"
    assert card["library_versions"]["scikit-learn"]
    assert len(card["artefact"]["sha256"]) == 64
    loaded = Classifier.load(tmp_path / "m")
    assert loaded.predict(texts) == trained.predict(texts)
    assert np.allclose(loaded.predict_proba(texts), trained.predict_proba(texts), atol=1e-6)


def test_tampered_artefact_is_refused(tmp_path, trained):
    trained.save(tmp_path / "m")
    with open(tmp_path / "m" / "model.pkl", "ab") as fh:
        fh.write(b"\0")
    with pytest.raises(ModelIntegrityError, match="does not match"):
        Classifier.load(tmp_path / "m")


def test_missing_card_is_refused(tmp_path, trained):
    trained.save(tmp_path / "m")
    (tmp_path / "m" / "model_card.json").unlink()
    with pytest.raises(ModelIntegrityError):
        Classifier.load(tmp_path / "m")


def test_training_needs_two_labels():
    with pytest.raises(ValueError, match="two distinct labels"):
        Classifier.train(["a", "b"], ["x", "x"])


def test_context_is_used_when_configured(sentiment_data):
    texts = ["bình luận"] * 12
    contexts = ["bóng đá"] * 6 + ["giá vàng"] * 6
    labels = ["sport"] * 6 + ["economy"] * 6
    clf = Classifier.train(
        texts, labels, ClassifierConfig(use_context=True, C=1.0, calibration_cv=2), contexts
    )
    assert clf.predict(["bình luận", "bình luận"], ["trận bóng đá", "giá vàng tăng"]) == ["sport", "economy"]


def test_tune_picks_the_better_setting():
    # the texts are all the same: only the context tells the classes apart
    texts = ["bình luận của bạn đọc"] * 24
    contexts = ["trận bóng đá tối qua", "giá vàng hôm nay"] * 12
    labels = ["sport", "economy"] * 12
    rest, held = stratified_split((texts, labels, contexts), 0.25)
    best, rows = tune(
        rest, held, ClassifierConfig(), {"use_context": [False, True], "C": [1.0]}, metric="macro_f1"
    )
    assert [row["use_context"] for row in rows] == [False, True]
    assert rows[0]["macro_f1"] < 0.5 < rows[1]["macro_f1"]
    assert best.use_context is True


def test_stratified_split_keeps_every_label():
    data = ([str(i) for i in range(20)], ["a"] * 10 + ["b"] * 10, [""] * 20)
    rest, held = stratified_split(data, 0.2)
    assert sorted(held[1]) == ["a", "a", "b", "b"]
    assert len(rest[0]) + len(held[0]) == 20
    assert not set(rest[0]) & set(held[0])


def test_temperature_calibration_keeps_the_linear_models_choice(trained):
    texts = ["thầy giảng hay", "phòng nóng", "bình thường", "wifi yếu nhưng cô nhiệt tình"]
    X = trained.featurizer.transform(trained.featurizer.prepare(texts))
    decision = trained.model.decision_function(X)
    by_margin = [trained.labels[int(d > 0)] for d in decision]
    assert trained.predict(texts) == by_margin
    assert trained.model.temperature > 0
