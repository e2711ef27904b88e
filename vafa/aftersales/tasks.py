"""Background work of the after-sales app: the daily refresh of the units' maintenance schedules."""

from __future__ import annotations

import datetime as dt

from django_tasks import task

from vafa.core.jobs import periodic


# periodic() is typed for plain callables, not django Task objects: hence the ignore.
@periodic("aftersales_maintenance_schedules", every=dt.timedelta(days=1))  # type: ignore[arg-type]
@task()
def aftersales_maintenance_schedules() -> dict[str, int]:
    # Imported here: the app registry loads this module from `ready()`, before the services are needed.
    from vafa.aftersales.services.visits import maintenance_schedules_refresh

    return maintenance_schedules_refresh().as_dict()
