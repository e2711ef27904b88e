"""Automation rules."""
