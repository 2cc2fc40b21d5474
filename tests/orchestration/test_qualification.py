"""What a system reports at an address against what an offering needs: pure, no database.

Whatever the system leaves unsaid (the technologies, the speed) is never taken for a yes.
"""

import pytest

from adapters.contracts import Serviceability
from catalog.selectors import ServiceabilityNeed
from orchestration.qualification import Place, delivery_problems

HOME = Place("1011AB", "1")
COPPER = Serviceability(True, ("VDSL",), 100, down_mbps={"VDSL": 100})
FIBRE_AND_COPPER = Serviceability(True, ("FTTH", "VDSL"), 1000, down_mbps={"FTTH": 1000, "VDSL": 100})


def codes(need, answer) -> list[str]:
    return [r.code for r in delivery_problems("Offer", need, answer, HOME)]


@pytest.mark.parametrize(
    "need,answer,expected",
    [
        (ServiceabilityNeed("fixed"), COPPER, []),
        (ServiceabilityNeed("fixed", ("FTTH",)), COPPER, ["notServiceable"]),
        (ServiceabilityNeed("fixed", ("FTTH", "VDSL"), 100), COPPER, []),
        (ServiceabilityNeed("fixed", ("FTTH",), 1000), FIBRE_AND_COPPER, []),
        # Copper at an address that also has fibre is as fast as the copper, not the fibre.
        (ServiceabilityNeed("fixed", ("VDSL",), 200), FIBRE_AND_COPPER, ["notServiceable"]),
        # Without a technology, the best the address has.
        (ServiceabilityNeed("fixed", (), 500), FIBRE_AND_COPPER, []),
        (ServiceabilityNeed("fixed", (), 500), COPPER, ["notServiceable"]),
        (ServiceabilityNeed("fixed"), Serviceability(False), ["notServiceable"]),
        (ServiceabilityNeed("fixed"), Serviceability(None, reason="down"), ["serviceabilityUnknown"]),
        # The system says yes but not over what, or not how fast: unknown.
        (ServiceabilityNeed("fixed", ("FTTH",)), Serviceability(True), ["serviceabilityUnknown"]),
        (ServiceabilityNeed("fixed", (), 100), Serviceability(True, ("FTTH",)), ["serviceabilityUnknown"]),
        (ServiceabilityNeed("fixed"), Serviceability(True), []),
    ],
)
def test_what_the_address_has_against_what_the_offering_needs(need, answer, expected):
    assert codes(need, answer) == expected


def test_the_reasons_say_what_is_needed_and_what_there_is():
    [technology] = delivery_problems("Fibre 1000", ServiceabilityNeed("fixed", ("FTTH",), 1000), COPPER, HOME)
    assert technology.label == "'Fibre 1000' needs FTTH; at 1 1011AB there is VDSL up to 100 Mbps."
    slow = Serviceability(True, ("FTTH", "VDSL"), 500, down_mbps={"FTTH": 500, "VDSL": 100})
    [speed] = delivery_problems("Fibre 1000", ServiceabilityNeed("fixed", ("FTTH",), 1000), slow, HOME)
    assert speed.label == "'Fibre 1000' needs 1000 Mbps; at 1 1011AB FTTH reaches 500 Mbps."
