"""Shared helpers of the web tests (a uniquely named module: ``conftest`` names clash)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict

from flask import Flask

from dashboard.config import Config
from dashboard.store import Store

PRICE = 0.2816
FEE = 9.50
PASSWORD = "correct horse battery staple"


@dataclass
class Env:
    """What the web tests work with."""

    app: Flask
    store: Store
    config: Config
    meter_id: int
    user_id: int
    token: str
    token_id: int
    tmp: Path

    def bearer(self) -> Dict[str, str]:
        """The Authorization header of the fixture token."""
        return {"Authorization": f"Bearer {self.token}"}


def make_config(tmp: Path, **web: Any) -> Config:
    """A config whose relative paths (the secret key file) live in ``tmp``."""
    data: Dict[str, Any] = {
        "meter": {"name": "Maison", "timezone": "Europe/Zurich"},
        "database": {"url": f"sqlite:///{tmp / 'unused.db'}"},
        "web": {"secret_key_file": "secret_key", **web},
        "costs": {"price_per_kwh": PRICE, "monthly_fee": FEE, "currency": "CHF"},
    }
    return Config.from_dict(data, path=tmp / "config.toml")
