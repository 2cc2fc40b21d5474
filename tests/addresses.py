"""Addresses by what the simulated fixed stack (seed 42, as the ``simulator`` fixture runs it) offers there."""

from adapters.simulator import data as simulated

SEED = 42


def postcode_where(**offer) -> str:
    """A postcode whose serviceability answer has these values, e.g. ``technologies=["VDSL"]``."""
    for number in range(1000, 3000):
        candidate = f"{number}AB"
        answer = simulated.serviceability(SEED, candidate, "")
        if all(answer[key] == value for key, value in offer.items()):
            return candidate
    raise AssertionError(f"no postcode where the fixed stack offers {offer}")


VDSL_ONLY = {"technologies": ["VDSL"], "max_down_mbps": 100}
FIBRE_1000 = {"technologies": ["FTTH", "VDSL"], "max_down_mbps": 1000}
FIBRE_500 = {"technologies": ["FTTH", "VDSL"], "max_down_mbps": 500}
NO_LINE = {"serviceable": False}
