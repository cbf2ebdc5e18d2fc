import pytest

from tests.diary.package.builders import PackageBuilder


@pytest.fixture
def builder():
    """A small valid package of the reference trial: 2 sites, 6 screened,
    3 randomized, a 4-bottle list, 24 diary rows, 2 adverse events."""
    return PackageBuilder()
