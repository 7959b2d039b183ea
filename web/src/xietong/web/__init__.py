"""The web front end: clerks' task list and supervisors' case console, on Camunda's REST API v2."""
