"""Background generation of documents (django-tasks, database backend).

The worker (`manage.py db_worker --max-tasks N`) exits after N tasks and is restarted by
`scripts/run.sh`, so the memory a long PDF took is given back to the system.
"""

from __future__ import annotations

from django_tasks import task


@task()
def generate_document_task(document_id: int) -> str:
    from documents.services import document_generate

    return document_generate(document_id).state
