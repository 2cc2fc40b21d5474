"""What the fixed stack reports per address, read over HTTP by its adapter: technologies and speeds."""

import pytest

from adapters.builtin.simulated import FixedAdapter
from adapters.contracts import Serviceability
from adapters.services import serviceability_ask
from tests.addresses import FIBRE_500, FIBRE_1000, NO_LINE, VDSL_ONLY, postcode_where


@pytest.mark.django_db
@pytest.mark.parametrize(
    "offer,technologies,best,by_technology",
    [
        (VDSL_ONLY, ("VDSL",), 100, {"VDSL": 100}),
        (FIBRE_1000, ("FTTH", "VDSL"), 1000, {"FTTH": 1000, "VDSL": 100}),
        (FIBRE_500, ("FTTH", "VDSL"), 500, {"FTTH": 500, "VDSL": 100}),
        (NO_LINE, (), 0, {}),
    ],
)
def test_the_adapter_reads_each_technology_and_its_speed(systems, offer, technologies, best, by_technology):
    answer = serviceability_ask("fixed", postcode_where(**offer), "1")
    assert answer.serviceable is bool(technologies)
    assert (answer.technologies, answer.max_down_mbps, dict(answer.down_mbps)) == (technologies, best, by_technology)


def test_the_speed_over_some_technologies_is_the_best_of_those():
    answer = Serviceability(True, ("FTTH", "VDSL"), 1000, down_mbps={"FTTH": 1000, "VDSL": 100})
    assert answer.best_down_mbps(["VDSL"]) == 100
    assert answer.best_down_mbps(["FTTH", "VDSL"]) == 1000
    assert answer.best_down_mbps([]) == 0
    # A system that gives only the best speed: that is all we know for each technology.
    assert Serviceability(True, ("FTTH",), 500).best_down_mbps(["FTTH"]) == 500


class Answering:
    def __init__(self, body):
        self.body = body

    def get_json(self, path, params):
        return self.body


@pytest.mark.parametrize(
    "body,expected",
    [
        # An older fixed stack without ``access``: technologies and the best speed only.
        (
            {"serviceable": True, "technologies": ["ftth"], "max_down_mbps": 1000},
            Serviceability(True, ("FTTH",), 1000),
        ),
        ({"serviceable": True, "access": [{"technology": "VDSL", "max_down_mbps": 50}]}, None),
    ],
)
def test_older_and_shorter_answers_are_read(body, expected):
    adapter = FixedAdapter.__new__(FixedAdapter)
    adapter.client = Answering(body)
    answer = adapter.serviceability("1000AB", "1")
    assert answer == (expected or Serviceability(True, ("VDSL",), 50, down_mbps={"VDSL": 50}))


@pytest.mark.parametrize(
    "body",
    [
        {"serviceable": True, "access": [{"max_down_mbps": 50}]},
        {"serviceable": True, "max_down_mbps": "fast"},
        {"serviceable": True, "access": "FTTH"},
    ],
)
def test_an_answer_that_cannot_be_read_is_unknown_never_yes(body):
    adapter = FixedAdapter.__new__(FixedAdapter)
    adapter.client = Answering(body)
    answer = adapter.serviceability("1000AB", "1")
    assert answer.serviceable is None and "could not be read" in answer.reason
