"""Exporters: readings from the store to MQTT / Home Assistant and InfluxDB.

``load_exporters(config, store)`` builds the exporters configured by the ``[mqtt]`` and
``[influxdb]`` tables (each validates its own table and raises
:class:`dashboard.config.ConfigError` naming the key); ``run_exporters(exporters, stop)`` runs
each in a daemon thread until ``stop`` is set.
"""

from __future__ import annotations

import importlib
import logging
import threading
from typing import List, Tuple, Type, cast

from dashboard.config import Config, ConfigError
from dashboard.integrations.base import Exporter, ExportRow, cursor_key
from dashboard.store import Store

__all__ = ["Exporter", "ExportRow", "cursor_key", "load_exporters", "run_exporters", "EXPORTERS"]

log = logging.getLogger(__name__)

EXPORTERS: Tuple[Tuple[str, str, str], ...] = (
    ("mqtt", "dashboard.integrations.mqtt", "MqttExporter"),
    ("influxdb", "dashboard.integrations.influx", "InfluxExporter"),
)
"""(config section, module, class) of every exporter; the class takes ``(config, store)``."""


def exporter_class(section: str) -> Type[Exporter]:
    """The exporter class of a config section; ``ConfigError`` when it cannot be loaded."""
    for name, module, cls in EXPORTERS:
        if name == section:
            try:
                mod = importlib.import_module(module)
            except ImportError as e:
                raise ConfigError(section, f"this integration is not available: {e}") from None
            return cast(Type[Exporter], getattr(mod, cls))
    raise ConfigError(section, "unknown integration")


def load_exporters(config: Config, store: Store) -> List[Exporter]:
    """The exporters configured in ``config`` (none when no ``[mqtt]``/``[influxdb]`` table)."""
    out: List[Exporter] = []
    for name, _module, _cls in EXPORTERS:
        if name in config.integrations:
            out.append(exporter_class(name)(config, store))
    return out


def run_exporters(exporters: List[Exporter], stop: threading.Event) -> List[threading.Thread]:
    """Start each exporter's ``run(stop)`` in a daemon thread; returns the started threads."""
    threads: List[threading.Thread] = []
    for exp in exporters:
        t = threading.Thread(target=_run_one, args=(exp, stop), name=f"export-{exp.name}", daemon=True)
        t.start()
        threads.append(t)
    return threads


def _run_one(exp: Exporter, stop: threading.Event) -> None:
    try:
        exp.run(stop)
    except Exception:  # noqa: BLE001 - one failing exporter never takes the collector down
        log.exception("%s: the exporter failed", exp.name)
