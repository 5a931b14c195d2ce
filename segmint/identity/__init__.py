"""Identity resolution: which identities belong to one customer profile."""
