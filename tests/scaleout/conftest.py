"""One pair of `cclibs serve` processes per module, on one PostgreSQL database and one S3
bucket (tests/support/scaleout.py): starting them costs seconds, so modules share them and
each test makes its own accounts and credentials."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from cclibs.services import Services
from tests.support import databases
from tests.support.scaleout import Cluster, S3Server, cluster, s3_server


@pytest.fixture(scope="module")
def s3() -> Iterator[S3Server]:
    with s3_server() as server:
        yield server


@pytest.fixture(scope="module")
def pair(s3: S3Server, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    if not databases.postgres_enabled():
        pytest.fail("scale-out needs PostgreSQL, turned off with CCLIBS_TEST_POSTGRES_URL=off")
    with cluster(s3, tmp_path_factory.mktemp("cluster")) as both:
        yield both


@pytest.fixture
async def services(
    pair: Cluster, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Services]:
    """The servers' services in the test process, to set up accounts and credentials."""
    built = pair.services(tmp_path_factory.mktemp("services"))
    yield built
    await built.db.dispose()
