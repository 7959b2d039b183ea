"""The main job's story: the whole system, end to end, told to a newcomer."""
