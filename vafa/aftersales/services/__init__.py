"""Writes of the after-sales app, one module per workflow; every state change is one named function."""
