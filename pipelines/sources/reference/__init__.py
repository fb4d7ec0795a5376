"""Reference data readers: ODS practices, NHS Digital geography and registrations, deprivation, crosswalks."""
