"""The supervisors' console: every open case, where it waits, until when, and what is stuck."""
