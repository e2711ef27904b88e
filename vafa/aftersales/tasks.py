"""Background work of the after-sales app."""
