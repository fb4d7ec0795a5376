"""Patient stories: Care Opinion API v2 exports and local story collections, with the feedback loop."""
