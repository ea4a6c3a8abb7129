"""The package layout: version, submodules, typing marker."""

import importlib
import pathlib

import compteur


def test_version_matches_the_crate() -> None:
    cargo = pathlib.Path(__file__).parents[2] / "Cargo.toml"
    version_line = next(
        line for line in cargo.read_text().splitlines() if line.startswith("version = ")
    )
    assert compteur.__version__ == version_line.split('"')[1]


def test_submodules_are_importable() -> None:
    for name in ("compteur.hdlc", "compteur.dlms", "compteur.registry"):
        module = importlib.import_module(name)
        assert module.__all__, name
        for attr in module.__all__:
            assert hasattr(module, attr), f"{name}.{attr}"


def test_py_typed_marker_ships() -> None:
    assert (pathlib.Path(compteur.__file__).parent / "py.typed").exists()


def test_exception_hierarchy() -> None:
    assert issubclass(compteur.DecodeError, compteur.CompteurError)
    assert issubclass(compteur.DecodeError, ValueError)
    assert issubclass(compteur.MeterTimeout, TimeoutError)
    for exc in (compteur.AuthenticationError, compteur.AccessDenied, compteur.AssociationRejected):
        assert issubclass(exc, compteur.CompteurError)
