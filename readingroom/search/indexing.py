"""Applying the index outbox to the configured search backend.

Interim: until the search backends land (issue 4), the outbox is left for them to apply.
"""


def process_outbox() -> int:
    return 0
