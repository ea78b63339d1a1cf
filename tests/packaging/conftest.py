import pytest

from packaging_util import build_wheel, copy_repository


@pytest.fixture(scope="session")
def repo_copy(tmp_path_factory):
    """A clean copy of the repository's source."""
    return copy_repository(str(tmp_path_factory.mktemp("src") / "glassgrad"))


@pytest.fixture(scope="session")
def wheel(repo_copy, tmp_path_factory):
    """glassgrad's wheel, built from the clean copy."""
    return build_wheel(repo_copy, str(tmp_path_factory.mktemp("wheel")))

