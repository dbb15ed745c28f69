"""CRM adapters: each maps one CRM's records to and from the canonical model."""
