"""The /analytics page: access, rendering in both languages, the catalogue keys it builds."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from flask.testing import FlaskClient

from dashboard.analytics import FORECAST_MODELS
from dashboard.analytics.anomalies import KINDS, SEVERITIES
from dashboard.web import i18n

SCRIPT = Path(i18n.__file__).resolve().parent / "static" / "js" / "analytics.js"


def test_anonymous_visitors_go_to_the_login(client: FlaskClient) -> None:
    r = client.get("/analytics?from=2026-10-01&to=2026-10-31")
    assert r.status_code == 302
    location = urlsplit(r.headers["Location"])
    assert location.path == "/login"
    assert parse_qs(location.query) == {"next": ["/analytics?from=2026-10-01&to=2026-10-31"]}


@pytest.mark.parametrize("lang,heading,nav,ack", [
    ("fr", "Analyses", "Analyses", "Afficher les alertes acquittées (0)"),
    ("en", "Analytics", "Analytics", "Show acknowledged alerts (0)"),
])
def test_the_page_renders_its_four_sections(session_client: FlaskClient, lang: str, heading: str,
                                             nav: str, ack: str) -> None:
    r = session_client.get(f"/analytics?lang={lang}")
    assert r.status_code == 200 and r.mimetype == "text/html"
    html = r.get_data(as_text=True)
    assert f'<html lang="{lang}">' in html
    assert f"<h1>{heading}</h1>" in html
    assert re.search(r'<a href="/analytics"\s+aria-current="page">' + nav + "</a>", html)
    assert 'data-page="analytics"' in html
    for section in ("alerts-section", "forecast-section", "standby-section", "costs-section"):
        assert f'id="{section}"' in html and 'aria-busy="true"' in html
    assert ack in html
    # Eight column headers of the costs table, and no inline script or style (CSP).
    costs = html[html.index('id="costs-table"'):]
    assert len(re.findall(r'<th scope="col">', costs[:costs.index("</thead>")])) == 8
    assert '<script type="module" src="/static/js/analytics.js"></script>' in html
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert "style=" not in html and "<style" not in html
    assert "{n}" not in html and "{level}" not in html


def test_the_nav_links_to_the_page_from_the_other_pages(session_client: FlaskClient) -> None:
    html = session_client.get("/history?lang=fr").get_data(as_text=True)
    assert '<a href="/analytics">Analyses</a>' in html


def test_every_key_the_script_builds_exists() -> None:
    """Kinds, severities, models and tariff kinds are translated through computed keys."""
    source = SCRIPT.read_text(encoding="utf-8")
    for prefix in ("analytics.kind.", "analytics.severity.", "analytics.model.", "analytics.tariff."):
        assert f"`{prefix}${{" in source, prefix
    needed = (
        [f"analytics.kind.{k}" for k in KINDS]
        + [f"analytics.severity.{s}" for s in SEVERITIES]
        + [f"analytics.model.{m}" for m in FORECAST_MODELS]
        + [f"analytics.tariff.{kind}" for kind in ("flat", "time_of_use", "dynamic")]
    )
    for lang in i18n.LANGUAGES:
        catalogue = i18n.catalog(lang)
        missing = [key for key in needed if key not in catalogue]
        assert not missing, (lang, missing)
    fr, en = i18n.catalog("fr"), i18n.catalog("en")
    assert fr["analytics.kind.gap"] == "Données manquantes" and en["analytics.kind.gap"] == "Missing data"
    assert fr["analytics.severity.critical"] == "Critique" and en["analytics.severity.critical"] == "Critical"
    # The placeholders the script fills are the same in both languages.
    for key in fr:
        if key.startswith("analytics."):
            assert set(re.findall(r"\{(\w+)\}", fr[key])) == set(re.findall(r"\{(\w+)\}", en[key])), key

