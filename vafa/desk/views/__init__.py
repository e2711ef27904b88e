"""The desk's pages, one module per area: auth, inbox, case, records, search, dashboard."""
