"""Routing of cases to agents."""
