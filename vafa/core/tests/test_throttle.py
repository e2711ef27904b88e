"""The database-backed attempt counter: limits per key and window, across processes, keys hashed."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection

from vafa.core import housekeeping
from vafa.core.jobs import periodic_jobs
from vafa.core.models import ThrottleBucket
from vafa.core.throttle import throttle_clear, throttle_count, throttle_hit, throttle_key_hash

T0 = dt.datetime(2026, 3, 1, 10, 0, tzinfo=dt.UTC)


def test_hits_are_allowed_up_to_the_limit_then_refused(db):
    allowed = [throttle_hit("signin:a@example.com", limit=3, window_seconds=900, now=T0) for _ in range(5)]

    assert allowed == [True, True, True, False, False]
    assert throttle_count("signin:a@example.com", window_seconds=900, now=T0) == 5


def test_keys_are_counted_separately(db):
    for _ in range(2):
        throttle_hit("signin:a@example.com", limit=2, window_seconds=900, now=T0)

    assert throttle_hit("signin:a@example.com", limit=2, window_seconds=900, now=T0) is False
    assert throttle_hit("signin:b@example.com", limit=2, window_seconds=900, now=T0) is True


def test_a_new_window_starts_from_zero(db):
    for _ in range(2):
        throttle_hit("ip:192.0.2.1", limit=2, window_seconds=900, now=T0)
    assert (
        throttle_hit("ip:192.0.2.1", limit=2, window_seconds=900, now=T0 + dt.timedelta(minutes=14)) is False
    )

    assert (
        throttle_hit("ip:192.0.2.1", limit=2, window_seconds=900, now=T0 + dt.timedelta(minutes=15)) is True
    )
    assert ThrottleBucket.objects.count() == 2


def test_clear_forgets_the_key_only(db):
    throttle_hit("ip:192.0.2.1", limit=1, window_seconds=60, now=T0)
    throttle_hit("ip:192.0.2.1", limit=1, window_seconds=60, now=T0)
    throttle_hit("ip:192.0.2.2", limit=1, window_seconds=60, now=T0)

    throttle_clear("ip:192.0.2.1")

    assert throttle_hit("ip:192.0.2.1", limit=1, window_seconds=60, now=T0) is True
    assert throttle_count("ip:192.0.2.2", window_seconds=60, now=T0) == 1


def test_the_raw_key_is_never_stored(db):
    throttle_hit("signup:email:someone@example.com", limit=5, window_seconds=3600, now=T0)

    bucket = ThrottleBucket.objects.get()
    assert bucket.key == throttle_key_hash("signup:email:someone@example.com")
    assert len(bucket.key) == 64
    assert "someone" not in bucket.key
    assert bucket.window_start == dt.datetime(2026, 3, 1, 10, 0, tzinfo=dt.UTC)
    assert bucket.expires_at == dt.datetime(2026, 3, 1, 11, 0, tzinfo=dt.UTC)
    assert bucket.hits == 1


def test_a_window_must_have_a_length(db):
    with pytest.raises(ValueError, match="window_seconds"):
        throttle_hit("x", limit=1, window_seconds=0)

    assert ThrottleBucket.objects.count() == 0


def test_the_hourly_prune_deletes_only_ended_windows(db):
    throttle_hit("old", limit=1, window_seconds=900, now=T0 - dt.timedelta(hours=1))
    throttle_hit("current", limit=1, window_seconds=900, now=T0)

    deleted = housekeeping.throttle_buckets_prune(now=T0 + dt.timedelta(minutes=5))

    assert deleted == 1
    assert list(ThrottleBucket.objects.values_list("key", flat=True)) == [throttle_key_hash("current")]


def test_the_prune_job_is_declared_hourly():
    declared = periodic_jobs()

    assert declared["prune_throttle_buckets"].every == dt.timedelta(hours=1)
    assert declared["prune_throttle_buckets"].func is housekeeping.prune_throttle_buckets


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL")
def test_concurrent_hits_from_many_connections_all_count():
    workers = 8
    per_worker = 10
    start = threading.Barrier(workers)
    allowed: list[bool] = []
    lock = threading.Lock()

    def hammer() -> None:
        try:
            start.wait()
            for _ in range(per_worker):
                result = throttle_hit("shared", limit=50, window_seconds=3600, now=T0)
                with lock:
                    allowed.append(result)
        finally:
            connection.close()

    threads = [threading.Thread(target=hammer) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert throttle_count("shared", window_seconds=3600, now=T0) == workers * per_worker
    assert allowed.count(True) == 50
    assert allowed.count(False) == workers * per_worker - 50
