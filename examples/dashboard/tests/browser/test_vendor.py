"""scripts/vendor.py: copies the pinned Chart.js into static/vendor, refuses anything else."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "vendor.py"


def load_vendor() -> ModuleType:
    spec = importlib.util.spec_from_file_location("dashboard_vendor_script", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def fake_project(root: Path, installed: str = "4.6.1", pinned: str = "4.6.1") -> None:
    lock = {
        "lockfileVersion": 3,
        "packages": {
            "node_modules/chart.js": {"version": pinned},
            "node_modules/@kurkle/color": {"version": "0.3.4"},
        },
    }
    (root / "package-lock.json").write_text(json.dumps(lock), encoding="utf-8")
    chart = root / "node_modules" / "chart.js"
    (chart / "dist").mkdir(parents=True)
    (chart / "package.json").write_text(json.dumps({"version": installed}), encoding="utf-8")
    (chart / "dist" / "chart.umd.js").write_text("/* chart */", encoding="utf-8")
    (chart / "LICENSE.md").write_text("MIT chart", encoding="utf-8")
    color = root / "node_modules" / "@kurkle" / "color"
    color.mkdir(parents=True)
    (color / "package.json").write_text(json.dumps({"version": "0.3.4"}), encoding="utf-8")
    (color / "LICENSE.md").write_text("MIT color", encoding="utf-8")


def test_copies_the_pinned_files(tmp_path: Path) -> None:
    vendor = load_vendor()
    fake_project(tmp_path)
    written = vendor.vendor(tmp_path)
    target = tmp_path / "dashboard" / "web" / "static" / "vendor"
    assert sorted(p.name for p in written) == ["chart.js-LICENSE.md", "chart.umd.js", "kurkle-color-LICENSE.md"]
    assert (target / "chart.umd.js").read_text(encoding="utf-8") == "/* chart */"
    assert (target / "kurkle-color-LICENSE.md").read_text(encoding="utf-8") == "MIT color"


def test_refuses_a_version_other_than_the_pinned_one(tmp_path: Path) -> None:
    vendor = load_vendor()
    fake_project(tmp_path, installed="4.5.0")
    with pytest.raises(vendor.VendorError, match=r"chart.js 4.5.0 is installed but package-lock.json pins 4.6.1"):
        vendor.vendor(tmp_path)
    assert not (tmp_path / "dashboard").exists()


def test_missing_node_modules_says_to_run_npm_ci(tmp_path: Path) -> None:
    vendor = load_vendor()
    fake_project(tmp_path)
    (tmp_path / "node_modules" / "chart.js" / "package.json").unlink()
    with pytest.raises(vendor.VendorError, match="run `npm ci`"):
        vendor.vendor(tmp_path)


def test_broken_lock_file(tmp_path: Path) -> None:
    vendor = load_vendor()
    (tmp_path / "package-lock.json").write_text("{", encoding="utf-8")
    with pytest.raises(vendor.VendorError, match="not valid JSON"):
        vendor.vendor(tmp_path)


def test_main_exit_status(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    vendor = load_vendor()
    assert vendor.main(["--dest", str(tmp_path / "out")]) == 0
    assert (tmp_path / "out" / "chart.umd.js").stat().st_size > 100_000
    setattr(vendor, "ROOT", tmp_path)  # an empty project: nothing to copy
    assert vendor.main([]) == 1
    assert "vendor.py:" in capsys.readouterr().err


def test_the_repository_pins_chart_js_4() -> None:
    root = SCRIPT.parent.parent
    lock = json.loads((root / "package-lock.json").read_text(encoding="utf-8"))
    manifest = json.loads((root / "package.json").read_text(encoding="utf-8"))
    version = lock["packages"]["node_modules/chart.js"]["version"]
    assert version.startswith("4.")
    assert manifest["dependencies"]["chart.js"] == version  # --save-exact: no range
    assert lock["packages"]["node_modules/chart.js"]["integrity"].startswith("sha512-")
