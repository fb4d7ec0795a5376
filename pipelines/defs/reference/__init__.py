"""Reference data: geography, population and deprivation every view joins on."""
