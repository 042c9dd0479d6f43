import pytest
from ganeti_samples import ADD_POST, with_post


@pytest.fixture
def add_post_env() -> dict[str, str]:
    return with_post(ADD_POST)
