"""`leadscore run`: the long-running process (scheduled sync, webhook receiver, queue worker)."""
