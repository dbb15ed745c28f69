"""leadscore: objective, explained lead scores written into the CRM sales already uses."""

__version__ = "0.1.0"
