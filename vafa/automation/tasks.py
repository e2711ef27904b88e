"""Background work of the automation app."""
