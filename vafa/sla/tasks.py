"""Background work of the SLA app (filled in below)."""
