"""What every source shares: the comments table, code patterns, people columns, CSV quirks, header maps."""
