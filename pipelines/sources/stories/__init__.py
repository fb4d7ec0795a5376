"""Patient stories: Care Opinion API v2 exports and plain CSV story collections."""
