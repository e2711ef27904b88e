"""Attempt counting that holds across processes: sign-in, sign-up and link requests are limited here.

A fixed window per key: `throttle_hit("signin:email:a@b.example", limit=10, window_seconds=900)`
counts one attempt in the current 15-minute window and says whether it is still within the limit.
The count lives in the database (ThrottleBucket), incremented by one INSERT … ON CONFLICT DO UPDATE
… RETURNING statement, so two processes hitting the same key at once both count (SQLite ≥ 3.35
and PostgreSQL both speak it). Keys are stored as a keyed hash (HMAC with SECRET_KEY): the table
holds no e-mail address or IP, and a key cannot be guessed back by hashing candidate addresses.

Use one window length per key; a key is free again when its window ends. Expired buckets are
deleted by the hourly housekeeping job `prune_throttle_buckets` (vafa.core.housekeeping).
"""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.utils import timezone
from django.utils.crypto import salted_hmac

from vafa.core.models import ThrottleBucket

_SALT = "vafa.core.throttle"


def throttle_key_hash(key: str) -> str:
    """The stored form of `key`: a 64-character HMAC-SHA256 under SECRET_KEY."""
    return salted_hmac(_SALT, key, algorithm="sha256").hexdigest()


def _window_start(now: dt.datetime, window_seconds: int) -> dt.datetime:
    epoch = int(now.timestamp())
    return dt.datetime.fromtimestamp(epoch - epoch % window_seconds, tz=dt.UTC)


def throttle_hit(key: str, *, limit: int, window_seconds: int, now: dt.datetime | None = None) -> bool:
    """Count one attempt for `key`; return True while the window's attempts are within `limit`.

    Every call counts, refused ones too: someone who keeps trying stays refused until the
    window ends.
    """
    if window_seconds <= 0:
        raise ValueError("window_seconds must be positive")
    moment = now or timezone.now()
    start = _window_start(moment, window_seconds)
    expires = start + dt.timedelta(seconds=window_seconds)
    quote = connection.ops.quote_name
    table = quote(ThrottleBucket._meta.db_table)
    key_col, seconds_col, start_col, expires_col, hits_col = (
        quote(name) for name in ("key", "window_seconds", "window_start", "expires_at", "hits")
    )
    adapt = connection.ops.adapt_datetimefield_value
    # Only quoted identifiers from the model are interpolated; every value is a parameter.
    sql = (
        f"INSERT INTO {table} ({key_col}, {seconds_col}, {start_col}, {expires_col}, {hits_col}) "  # noqa: S608
        "VALUES (%s, %s, %s, %s, 1) "
        f"ON CONFLICT ({key_col}, {seconds_col}, {start_col}) "
        f"DO UPDATE SET {hits_col} = {table}.{hits_col} + 1 RETURNING {hits_col}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [throttle_key_hash(key), window_seconds, adapt(start), adapt(expires)])
        row = cursor.fetchone()
    hits = int(row[0]) if row else limit + 1
    return hits <= limit


def throttle_count(key: str, *, window_seconds: int, now: dt.datetime | None = None) -> int:
    """How many attempts `key` has in the current window (without counting one)."""
    moment = now or timezone.now()
    bucket = (
        ThrottleBucket.objects.filter(
            key=throttle_key_hash(key),
            window_seconds=window_seconds,
            window_start=_window_start(moment, window_seconds),
        )
        .values_list("hits", flat=True)
        .first()
    )
    return bucket or 0


def throttle_clear(key: str) -> None:
    """Forget every attempt counted for `key` (after a successful sign-in, say)."""
    ThrottleBucket.objects.filter(key=throttle_key_hash(key)).delete()
