"""Publishing: the read-only published store and the attacker's audit of what it holds."""
