"""The push interface against the public E450 corpus, the bundled capture and the CLI."""

import datetime
import json
import os
import pathlib
import random
import re
import subprocess
from typing import Any, Optional

import pytest

import compteur
from compteur import PushListener, decode_push

from conftest import REPO, corpus_path

GRAZ_HEX = (REPO / "e450" / "testdata" / "graz_e450_push.hex").read_text().strip()
GRAZ_KEY = "5C316162209EBB790B52EB0E7FC5B11C"
GRAZ_AUTH_KEY = "92705C5C97286064EABAE38D190F87A4"


def streams() -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = json.loads(corpus_path("e450_cii.json").read_text())
    return data


def template_for(name: str) -> Optional[str]:
    if "wiener" in name or "energy_agent_workshop" in name:
        return "wiener-netze"
    if "burgenland" in name:
        return "burgenland"
    return None


def decode_stream(s: dict[str, Any]) -> tuple[list[compteur.Reading], PushListener]:
    data = bytes.fromhex(s["stream_hex"])
    listener = PushListener(s["encryption_key"], s["authentication_key"], template_for(s["name"]))
    readings = listener.feed(data)
    listener.finish()
    whole = decode_push(
        data,
        key=s["encryption_key"],
        auth_key=s["authentication_key"],
        template=template_for(s["name"]),
    )
    if readings or listener.stats["frames"]:
        assert [r.to_dict() for r in whole] == [r.to_dict() for r in readings]
    return whole, listener


def test_every_corpus_stream_reaches_its_required_outcome() -> None:
    for s in streams():
        readings, listener = decode_stream(s)
        outcome = s["required_outcome"]
        wanted = re.match(r"decode (\d+) message", outcome)
        if wanted:
            assert len(readings) == int(wanted.group(1)), s["name"]
            security = readings[0].security
            if "(authenticated" in outcome:
                assert security == "authenticated", s["name"]
            elif "(decrypted" in outcome:
                assert security == "decrypted", s["name"]
        elif outcome.startswith("decode the plaintext"):
            assert len(readings) == 1, s["name"]
        else:
            assert readings == [], s["name"]
            assert listener.errors, s["name"]


def test_graz_capture_typed_fields() -> None:
    (r,) = decode_push(bytes.fromhex(GRAZ_HEX), key=GRAZ_KEY, auth_key=bytes.fromhex(GRAZ_AUTH_KEY))
    assert r.security == "authenticated" and r.layout == "pairs"
    assert r.serial == "57717111"
    assert r.timestamp == datetime.datetime(2022, 2, 21, 17, 37, 30)
    assert r.timestamp is not None and r.timestamp.tzinfo is None  # local time, as pushed
    assert r.active_energy_import == pytest.approx(4_408_736.0)
    t1, t2, _, _ = r.active_energy_import_tariff
    assert (t1, t2) == (3_593_919.0, 814_817.0)
    assert r.active_power_import == pytest.approx(2893.0)
    assert r.reactive_energy_export == pytest.approx(1_401_005.0)
    assert r.system_title is not None and len(r.system_title) == 8
    assert r.frame_counter is not None
    as_printed = r.to_dict()["values"]
    assert [(str(o), v, u) for o, v, u in r.values] == [
        (d["obis"], d["value"], d["unit"]) for d in as_printed  # type: ignore[attr-defined]
    ]
    obis, value, unit = r.values[1]
    assert obis == compteur.ObisCode("1-0:1.8.0") and value == pytest.approx(4408.736)
    assert unit == "kWh"


def test_without_the_auth_key_it_is_decrypted_only_and_without_key_reported() -> None:
    (r,) = decode_push(bytes.fromhex(GRAZ_HEX), key=GRAZ_KEY)
    assert r.security == "decrypted"
    listener = PushListener()
    assert listener.feed(bytes.fromhex(GRAZ_HEX)) == []
    assert len(listener.errors) == 1 and "no key" in listener.errors[0][1]


def test_a_wrong_auth_key_is_rejected() -> None:
    listener = PushListener(GRAZ_KEY, "00" * 16)
    assert listener.feed(bytes.fromhex(GRAZ_HEX)) == []
    assert listener.stats["undecryptable"] == 1


def test_any_chunking_gives_the_same_readings() -> None:
    data = bytes.fromhex(GRAZ_HEX) * 3
    whole = [r.to_dict() for r in decode_push(data, key=GRAZ_KEY, auth_key=GRAZ_AUTH_KEY)]
    assert len(whole) == 3
    rng = random.Random(5)
    listener = PushListener(GRAZ_KEY, GRAZ_AUTH_KEY)
    got: list[dict[str, object]] = []
    i = 0
    while i < len(data):
        n = rng.randint(1, 40)
        got.extend(r.to_dict() for r in listener.feed(data[i : i + n]))
        i += n
    assert [{**d, "offset": 0} for d in got] == [{**d, "offset": 0} for d in whole]
    assert [d["offset"] for d in got] == [d["offset"] for d in whole]


def compteur_binary() -> Optional[pathlib.Path]:
    target = pathlib.Path(os.environ.get("CARGO_TARGET_DIR", REPO / "target"))
    binary = target / "debug" / "compteur"
    return binary if binary.exists() else None


def test_to_dict_is_what_compteur_decode_json_prints() -> None:
    binary = compteur_binary()
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("the compteur binary was not built (cargo build -p compteur-e450)")
        pytest.skip("the compteur binary is not built")
    keys = ["--key", GRAZ_KEY, "--auth-key", GRAZ_AUTH_KEY]
    out = subprocess.run(
        [str(binary), "decode", "--json", *keys, GRAZ_HEX], capture_output=True, text=True, check=True
    )
    cli = [json.loads(line) for line in out.stdout.splitlines()]
    ours = [r.to_dict() for r in decode_push(bytes.fromhex(GRAZ_HEX), key=GRAZ_KEY, auth_key=GRAZ_AUTH_KEY)]
    assert ours == cli


def test_readings_to_columns() -> None:
    data = bytes.fromhex(GRAZ_HEX) * 2
    readings = decode_push(data, key=GRAZ_KEY, auth_key=GRAZ_AUTH_KEY)
    columns = compteur.readings_to_columns(readings)
    assert columns["timestamp"] == [r.timestamp for r in readings]
    assert columns["active_energy_import"] == [4_408_736.0, 4_408_736.0]
    assert set(len(v) for v in columns.values()) == {2}


def test_mbus_frame() -> None:
    data = bytes.fromhex((REPO / "mbus" / "testdata" / "ACW_Itron-BM-plus-m.hex").read_text())
    frame = compteur.mbus.decode_frame(data)
    d = frame.to_dict()
    assert d["kind"] == "mbus" and d["manufacturer"] == "ACW" == frame.manufacturer
    assert frame.id == d["id"] and frame.medium == d["medium"]
    records = frame.records
    assert len(records) == len(d["records"])  # type: ignore[arg-type]
    for record, expected in zip(records, d["records"]):  # type: ignore[call-overload]
        assert record.value == expected["value"] and record.unit == expected["unit"]
        assert record.raw == expected["raw"] and record.function == expected["function"]
        assert (record.storage, record.tariff, record.subunit) == (
            expected["storage"], expected["tariff"], expected["subunit"],
        )
    with pytest.raises(compteur.DecodeError) as info:
        compteur.mbus.decode_frame(data[:-3])
    assert info.value.layer == "mbus"


def test_bad_bytes_never_crash() -> None:
    rng = random.Random(11)
    graz = bytes.fromhex(GRAZ_HEX)
    listener = PushListener(GRAZ_KEY, GRAZ_AUTH_KEY)
    for _ in range(300):
        noise = bytes(rng.randrange(256) for _ in range(rng.randint(0, 300)))
        flipped = bytearray(graz)
        flipped[rng.randrange(len(flipped))] ^= 1 << rng.randrange(8)
        for chunk in (noise, bytes(flipped)):
            for r in listener.feed(chunk):
                assert r.active_energy_import == pytest.approx(4_408_736.0)
            decode_push(chunk, key=GRAZ_KEY)
    assert listener.stats["damaged"] > 0


def test_strict_raises_on_damage_and_keys_are_checked() -> None:
    broken = bytearray(bytes.fromhex(GRAZ_HEX))
    broken[40] ^= 0xFF
    with pytest.raises(compteur.DecodeError) as info:
        decode_push(bytes(broken), key=GRAZ_KEY, strict=True)
    assert info.value.layer == "push" and info.value.offset == 0
    with pytest.raises(ValueError):
        PushListener("1234")
    with pytest.raises(ValueError):
        PushListener(None, GRAZ_AUTH_KEY)
    with pytest.raises(ValueError):
        PushListener(template="nowhere")


def test_keys_never_appear_in_reprs_or_messages() -> None:
    key = "5C31A0F6E1A4B7C2D3E4F5061728394A"
    auth = "9270AB12CD34EF56A1B2C3D4E5F60718"
    listener = compteur.PushListener(key=key, auth_key=auth)
    text = repr(listener) + str(listener)
    assert key.lower() not in text.lower() and auth.lower() not in text.lower()
    # A key of the wrong length is refused without echoing it.
    with pytest.raises(ValueError) as bad:
        compteur.PushListener(key=key[:-2])
    assert key[:-2].lower() not in str(bad.value).lower()
    # A push that does not authenticate with the key is reported without the key.
    with compteur.Simulator(history_days=1) as sim:
        frames = sim.push_frames(key=key, auth_key=auth)
    wrong = compteur.PushListener(key=key, auth_key="00" * 16)
    assert wrong.feed(frames) == []
    assert wrong.errors
    for _, message in wrong.errors:
        assert key.lower() not in message.lower() and auth.lower() not in message.lower()
