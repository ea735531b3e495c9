"""Labelled examples from the database, for training the classifiers.

Category: every resolved or closed ticket with its final category, plus any
ticket an agent re-categorised (a correction is the strongest label there is).
Severity: resolved or closed tickets with the priority they ended with.
"""

from tortoise import connections

CATEGORY_EXAMPLES = """
SELECT t.subject || E'\\n' || t.description AS text, c.key AS label
FROM ticket t JOIN category c ON c.id = t.category_id
WHERE t.status IN ('RESOLVED', 'CLOSED') OR t.category_source = 'AGENT'
ORDER BY t.id
"""

SEVERITY_EXAMPLES = """
SELECT t.subject || E'\\n' || t.description AS text, t.priority AS label
FROM ticket t
WHERE t.status IN ('RESOLVED', 'CLOSED')
ORDER BY t.id
"""


async def labelled_examples(kind: str) -> tuple[list[str], list[str]]:
    """(texts, labels) for ``kind`` "category" or "severity"."""
    query = {"category": CATEGORY_EXAMPLES, "severity": SEVERITY_EXAMPLES}[kind]
    _, rows = await connections.get("default").execute_query(query)
    return [r["text"] for r in rows], [r["label"] for r in rows]
