"""People being supported: their records, safe-contact profiles and advocates."""
