"""The French and English catalogues: same keys, and every key the UI uses exists."""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path
from typing import Set

import pytest

from dashboard.web import i18n

WEB = Path(i18n.__file__).resolve().parent
TEMPLATES = WEB / "templates"
SCRIPTS = WEB / "static" / "js"

# t("key") / t('key') in Jinja templates and in the JavaScript modules.
KEY_CALL = re.compile(r"""\bt\(\s*["']([A-Za-z0-9_.]+)["']""")
# Error keys the backend hands to the templates (error="login.error.invalid").
BACKEND_KEY = re.compile(r"""["']((?:login|settings)\.error\.[a-z_]+)["']""")


def used_keys(folder: Path, pattern: str) -> Set[str]:
    """Every key passed to t() in the files of ``folder`` matching ``pattern``."""
    keys: Set[str] = set()
    for path in sorted(folder.glob(pattern)):
        keys.update(KEY_CALL.findall(path.read_text(encoding="utf-8")))
    return keys


def test_both_catalogues_have_the_same_keys() -> None:
    fr = i18n.catalog("fr")
    en = i18n.catalog("en")
    assert set(fr) == set(en), {"only fr": sorted(set(fr) - set(en)), "only en": sorted(set(en) - set(fr))}
    assert len(fr) > 100
    for lang, strings in (("fr", fr), ("en", en)):
        empty = [k for k, v in strings.items() if not v.strip()]
        assert not empty, (lang, empty)


def test_catalogue_files_are_flat_sorted_json() -> None:
    for lang in i18n.LANGUAGES:
        text = (WEB / "static" / "i18n" / f"{lang}.json").read_text(encoding="utf-8")
        data = json.loads(text)
        assert list(data) == sorted(data), f"{lang}.json keys are not sorted"
        assert all(isinstance(v, str) for v in data.values())


def test_every_template_key_exists() -> None:
    keys = used_keys(TEMPLATES, "*.html")
    assert len(keys) > 60, "the key scan found too few keys"
    for lang in i18n.LANGUAGES:
        missing = sorted(keys - set(i18n.catalog(lang)))
        assert not missing, (lang, missing)


def test_every_script_key_exists() -> None:
    keys = used_keys(SCRIPTS, "*.js")
    assert {"history.week_label", "live.stream.live", "series.import"} <= keys
    for lang in i18n.LANGUAGES:
        missing = sorted(keys - set(i18n.catalog(lang)))
        assert not missing, (lang, missing)


def test_every_backend_error_key_exists() -> None:
    keys: Set[str] = set()
    for path in sorted(WEB.glob("*.py")):
        keys.update(BACKEND_KEY.findall(path.read_text(encoding="utf-8")))
    assert "login.error.invalid" in keys
    for lang in i18n.LANGUAGES:
        missing = sorted(keys - set(i18n.catalog(lang)))
        assert not missing, (lang, missing)


def test_the_two_languages_differ() -> None:
    fr = i18n.translator("fr")
    en = i18n.translator("en")
    assert fr("nav.history") == "Historique"
    assert en("nav.history") == "History"
    assert fr("login.submit") != en("login.submit")


def test_missing_key_returns_the_key_and_logs_once(caplog: pytest.LogCaptureFixture) -> None:
    t = i18n.translator("en")
    with caplog.at_level(logging.WARNING, logger="dashboard.web.i18n"):
        assert t("no.such.key.for.test") == "no.such.key.for.test"
        assert t("no.such.key.for.test") == "no.such.key.for.test"
    warnings = [r for r in caplog.records if "no.such.key.for.test" in r.getMessage()]
    assert len(warnings) == 1


def test_unknown_language_is_refused() -> None:
    with pytest.raises(i18n.UnknownLanguageError, match="unknown language 'de'"):
        i18n.translator("de")
    with pytest.raises(i18n.UnknownLanguageError):
        i18n.catalog("")


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("en-GB,en;q=0.9", "en"),
        ("fr-CH, fr;q=0.9, en;q=0.8", "fr"),
        ("de-CH,de;q=0.9,en;q=0.5", "en"),
        ("de", "fr"),
        ("", "fr"),
        (None, "fr"),
        ("en;q=0.2, fr;q=0.7", "fr"),
        ("en;q=abc, fr;q=0", "fr"),
        ("*;q=0.5", "fr"),
    ],
)
def test_best_language(header: str, expected: str) -> None:
    assert i18n.best_language(header) == expected


def test_best_language_default() -> None:
    assert i18n.best_language("de", "en") == "en"
    with pytest.raises(i18n.UnknownLanguageError):
        i18n.best_language("en", "it")


def test_every_alert_sentence_and_feature_is_translated() -> None:
    """The Analyses page words alerts from ``Anomaly.details``: every sentence the detectors can
    name, and every feature of an unusual day, has an entry with the same placeholders in both
    languages (the placeholders themselves are checked against real details in test_anomalies)."""
    from dashboard.analytics import anomalies
    from dashboard.web import openapi

    assert openapi._TEMPLATES == anomalies.TEMPLATES
    placeholder = re.compile(r"\{(\w+)\}")
    fr, en = i18n.catalog("fr"), i18n.catalog("en")
    for name in anomalies.TEMPLATES:
        key = f"analytics.alert_text.{name}"
        assert key in fr and key in en, key
        assert set(placeholder.findall(fr[key])) == set(placeholder.findall(en[key])), key
    assert set(placeholder.findall(en["analytics.alert_text.spike_no_usual"])) == {"peak_w", "z"}
    for feature in anomalies._FEATURE_IDS:
        assert f"analytics.feature.{feature}" in fr and f"analytics.feature.{feature}" in en
    assert len(anomalies._FEATURE_IDS) == len(anomalies._FEATURES)
