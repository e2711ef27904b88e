"""Vafa: after-sales service and customer retention."""

__version__ = "0.1.0"
