"""ObisCode, Unit and the registry."""

import pickle

import pytest

import compteur
from compteur import ObisCode, Unit, registry


@pytest.mark.parametrize(
    "text",
    ["1-0:1.8.0*255", "1-0:1.8.0.255", "1.0.1.8.0.255", "1-0:1.8.0", "1.8.0", "0100010800FF"],
)
def test_every_textual_form_parses_to_the_same_code(text: str) -> None:
    code = ObisCode(text)
    assert str(code) == "1-0:1.8.0*255"
    assert (code.a, code.b, code.c, code.d, code.e, code.f) == (1, 0, 1, 8, 0, 255)


def test_groups_bytes_and_repr() -> None:
    code = ObisCode(1, 1, 32, 7, 0)
    assert str(code) == "1-1:32.7.0*255"
    assert repr(code) == "ObisCode('1-1:32.7.0*255')"
    assert code.to_bytes() == bytes([1, 1, 32, 7, 0, 255])
    assert ObisCode(bytes([0, 0, 1, 0, 0, 255])) == ObisCode("0-0:1.0.0")
    assert ObisCode(code) == code


def test_comparisons_hashing_and_pickle() -> None:
    a, b = ObisCode("1-0:1.8.0"), ObisCode("1-0:2.8.0")
    assert a < b and b > a and a <= a and a != b
    assert {a: 1}[ObisCode("1.8.0")] == 1
    assert sorted([b, a]) == [a, b]
    assert (a == "1-0:1.8.0") is False  # no implicit parsing in comparisons
    assert pickle.loads(pickle.dumps(a)) == a


def test_describe_and_quantity() -> None:
    code = ObisCode("1-1:1.8.0")
    assert "energy" in code.describe().lower()
    assert code.quantity == "active_energy_import"
    assert code.normalize_channel() == ObisCode("1-0:1.8.0")


@pytest.mark.parametrize(
    ("text", "offset"), [("1-0:1.8.x", 8), ("1-0:1.8", 7), ("1-0:1.8.0*256", 10)]
)
def test_bad_codes_raise_decode_error_with_offset(text: str, offset: int) -> None:
    with pytest.raises(compteur.DecodeError) as info:
        ObisCode(text)
    assert isinstance(info.value, ValueError)
    assert isinstance(info.value, compteur.CompteurError)
    assert info.value.layer == "obis"
    assert info.value.offset == offset


def test_wrong_types_raise_type_error() -> None:
    with pytest.raises(TypeError):
        ObisCode(1.5)  # type: ignore[arg-type]
    with pytest.raises(compteur.DecodeError):
        ObisCode(b"\x01\x02")


def test_unit() -> None:
    wh = Unit.from_symbol("Wh")
    assert wh is not None and wh.code == 30 and wh.symbol == "Wh"
    assert Unit(30) == wh and hash(Unit(30)) == hash(wh)
    assert Unit.from_symbol("furlong") is None
    assert Unit(250).symbol is None


def test_registry_lookup_and_entries() -> None:
    entry = registry.lookup("1-1:32.7.0")  # channel-B tolerance: found as 1-0:32.7.0
    assert entry is not None
    assert entry.obis == ObisCode("1-0:32.7.0")
    assert entry.class_id == 3
    assert entry.unit == Unit.from_symbol("V")
    assert entry.quantity == "voltage_l1"
    assert registry.lookup("1-1:32.7.0", exact=True) is None
    energy = registry.lookup("1-0:1.8.0", exact=True)
    assert energy is not None and energy.unit == Unit.from_symbol("Wh")
    clock = registry.lookup(ObisCode("0-0:1.0.0"))
    assert clock is not None and clock.class_id == 8 and clock.attributes == [2]
    entries = registry.entries()
    assert len(entries) > 50
    codes = [e.obis for e in entries]
    assert codes == sorted(codes)
