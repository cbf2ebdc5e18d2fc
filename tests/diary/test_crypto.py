import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from diary.crypto import open_arm, seal_arm
from diary.models import RandomizationList


def test_sealed_arm_opens_to_the_arm_code():
    assert open_arm(seal_arm("vitamin_k2")) == "vitamin_k2"


def test_token_length_does_not_depend_on_the_arm_code():
    lengths = {len(seal_arm(code)) for code in ("a", "sham", "placebo", "x" * 40, "y" * 63)}
    assert len(lengths) == 1


def test_the_same_arm_seals_differently_each_time():
    assert seal_arm("placebo") != seal_arm("placebo")


def test_a_list_cannot_be_read_with_another_key():
    token = seal_arm("placebo")
    other = "b" * 43 + "="
    with override_settings(ALLOCATION_KEY=other), pytest.raises(ImproperlyConfigured):
        open_arm(token)


def test_seed_property_seals_the_seed():
    rlist = RandomizationList(seed=123456789)
    assert "123456789" not in rlist.seed_sealed
    assert rlist.seed == 123456789
    assert RandomizationList(seed=None).seed is None
