"""Point 3 of issue 13, measured: 16 parallel wrong log-ins must not take a GiB of one web process."""

from __future__ import annotations

import pytest

from bench.bench_security import Gunicorn, _prepare, _sixteen_wrong_logins


@pytest.mark.slow
def test_sixteen_parallel_wrong_logins_stay_within_the_hashing_bound(tmp_path):
    database, _key = _prepare(tmp_path, products=1)
    server = Gunicorn(tmp_path, database, REDIS_URL="", GUNICORN_WORKERS="1", GUNICORN_THREADS="16")
    try:
        base_rss, peak, _took, codes = _sixteen_wrong_logins(server)
    finally:
        server.stop()
    assert codes == {200}  # each got "Wrong email or password." (no lock: 16 different emails and clients)
    # Two 64 MiB Argon2 hashes at a time (the default bound) plus slack; unbounded it is ~+1 GiB.
    assert peak - base_rss < 300 * 1024 * 1024, (base_rss, peak)
