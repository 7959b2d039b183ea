"""Engine state: entities in memory, persisted by the store after every batch of commands."""
