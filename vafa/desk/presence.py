"""Who else has a case open right now, and whether they are typing: the desk's collision notice.

Each open case page pings every ten seconds (and at once when the agent starts or stops typing);
a ping upserts the agent's row and clears rows nobody has refreshed for a few minutes, so the table
holds only the desk's live pages.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from vafa.accounts.models import User
from vafa.desk.models import CasePresence
from vafa.service.models import Case

# A page pings every 10 s; someone not heard from for this long has left.
PRESENCE_WINDOW_SECONDS = 30
# Rows older than this are deleted on the next ping of anyone.
PRESENCE_KEEP = dt.timedelta(minutes=5)


@dataclass(frozen=True)
class Presence:
    """Another agent on the same case."""

    user: User
    is_typing: bool
    seen_at: dt.datetime


def presence_touch(*, user: User, case: Case, typing: bool) -> None:
    """Record that `user` has `case` open now (and whether they are typing); forget stale rows."""
    now = timezone.now()
    updated = CasePresence.objects.filter(case=case, user=user).update(is_typing=typing, seen_at=now)
    if not updated:
        try:
            with transaction.atomic():  # a savepoint: a twin request may insert the row first
                CasePresence.objects.create(case=case, user=user, is_typing=typing, seen_at=now)
        except IntegrityError:
            CasePresence.objects.filter(case=case, user=user).update(is_typing=typing, seen_at=now)
    CasePresence.objects.filter(seen_at__lt=now - PRESENCE_KEEP).delete()


def presence_leave(*, user: User, case: Case) -> None:
    """Forget that `user` has `case` open (the page was closed)."""
    CasePresence.objects.filter(case=case, user=user).delete()


def presence_others(*, case: Case, user: User, within: int = PRESENCE_WINDOW_SECONDS) -> list[Presence]:
    """Other active agents seen on `case` in the last `within` seconds, typists first."""
    since = timezone.now() - dt.timedelta(seconds=within)
    rows = (
        CasePresence.objects.filter(case=case, seen_at__gte=since, user__is_active=True)
        .exclude(user=user)
        .select_related("user")
        .order_by("-is_typing", "user__full_name", "user_id")
    )
    return [Presence(user=row.user, is_typing=row.is_typing, seen_at=row.seen_at) for row in rows]
