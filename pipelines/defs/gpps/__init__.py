"""GP Patient Survey assets and checks (group ``gpps``)."""
