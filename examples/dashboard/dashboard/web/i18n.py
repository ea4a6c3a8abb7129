"""Translations of the dashboard's user interface (French and English).

The strings live in ``static/i18n/fr.json`` and ``static/i18n/en.json``: flat JSON objects
mapping a dotted key (``"live.power_import"``) to the text. The templates use them through
:func:`translator` (``t("live.power_import")``) and the JavaScript fetches the same files, so
both sides always show the same words.

A key missing from a catalogue is shown as the key itself and logged once (per language and
key), so a forgotten string is visible without breaking the page. A test checks that both
catalogues have the same keys and that every key used by the templates and scripts exists.
"""

from __future__ import annotations

import json
import logging
import threading
from functools import lru_cache
from pathlib import Path
from typing import Callable, Dict, Optional, Set, Tuple

__all__ = [
    "LANGUAGES",
    "DEFAULT_LANGUAGE",
    "I18N_DIR",
    "UnknownLanguageError",
    "CatalogError",
    "catalog",
    "translator",
    "best_language",
]

#: The languages of the user interface, in the order offered by the language switch.
LANGUAGES: Tuple[str, ...] = ("fr", "en")

#: The language used when nothing else decides (the seed material is French).
DEFAULT_LANGUAGE = "fr"

#: Folder holding one ``<lang>.json`` catalogue per language.
I18N_DIR = Path(__file__).resolve().parent / "static" / "i18n"

_log = logging.getLogger(__name__)
_reported: Set[Tuple[str, str]] = set()
_reported_lock = threading.Lock()


class UnknownLanguageError(ValueError):
    """The language is not one of :data:`LANGUAGES`."""

    def __init__(self, lang: object) -> None:
        super().__init__(
            f"unknown language {lang!r}; expected one of {', '.join(LANGUAGES)}"
        )
        self.lang = lang


class CatalogError(RuntimeError):
    """A catalogue file is missing or is not a flat JSON object of strings."""


@lru_cache(maxsize=None)
def _load(lang: str) -> Dict[str, str]:
    path = I18N_DIR / f"{lang}.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise CatalogError(f"cannot read {path}: {exc.strerror}") from exc
    except ValueError as exc:
        raise CatalogError(f"{path} is not valid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise CatalogError(f"{path} must hold a JSON object")
    for key, value in data.items():
        if not isinstance(value, str):
            raise CatalogError(f"{path}: the value of {key!r} is not a string")
    return dict(data)


def catalog(lang: str) -> Dict[str, str]:
    """Return a copy of the catalogue of ``lang`` (key → text).

    Raises :class:`UnknownLanguageError` for a language outside :data:`LANGUAGES` and
    :class:`CatalogError` when the file is unreadable or malformed.
    """
    if lang not in LANGUAGES:
        raise UnknownLanguageError(lang)
    return dict(_load(lang))


def translator(lang: str) -> Callable[[str], str]:
    """Return ``t(key) -> str`` translating keys into ``lang``.

    A missing key returns the key itself and is logged once as a warning. Raises
    :class:`UnknownLanguageError` for a language outside :data:`LANGUAGES`.
    """
    if lang not in LANGUAGES:
        raise UnknownLanguageError(lang)
    strings = _load(lang)

    def t(key: str) -> str:
        """Translate ``key``; the key itself when the catalogue lacks it."""
        text = strings.get(key)
        if text is not None:
            return text
        with _reported_lock:
            first = (lang, key) not in _reported
            _reported.add((lang, key))
        if first:
            _log.warning("missing translation %r for language %r", key, lang)
        return key

    return t


def best_language(accept_language: Optional[str], default: str = DEFAULT_LANGUAGE) -> str:
    """Pick the best of :data:`LANGUAGES` for an ``Accept-Language`` header value.

    Quality values (``q=``) are honoured; region subtags are ignored (``fr-CH`` → ``fr``).
    Returns ``default`` when nothing matches or the header is absent or malformed.
    """
    if default not in LANGUAGES:
        raise UnknownLanguageError(default)
    if not accept_language:
        return default
    best: Optional[Tuple[float, int, str]] = None
    for position, part in enumerate(accept_language.split(",")):
        fields = part.strip().split(";")
        tag = fields[0].strip().lower()
        quality = 1.0
        for param in fields[1:]:
            name, _, value = param.strip().partition("=")
            if name.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        primary = tag.split("-", 1)[0]
        if primary not in LANGUAGES or not (0.0 < quality <= 1.0):
            continue
        candidate = (quality, -position, primary)
        if best is None or candidate > best:
            best = candidate
    return best[2] if best is not None else default
