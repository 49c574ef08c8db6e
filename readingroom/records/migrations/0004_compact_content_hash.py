"""The content hash is taken over compact canonical JSON since this version (records.schema.canonical_json, written
by orjson): recompute it for every stored record, so that re-importing unchanged content still changes nothing and
`readingroom check` finds every document in agreement with its hash."""

from django.db import migrations


def rehash(apps, schema_editor):
    from readingroom.records.schema import content_hash

    Record = apps.get_model("records", "Record")
    changed = []
    for rec in Record.objects.only("id", "document", "content_hash").iterator(chunk_size=2000):
        digest = content_hash(rec.document)
        if digest != rec.content_hash:
            rec.content_hash = digest
            changed.append(rec)
        if len(changed) >= 2000:
            Record.objects.bulk_update(changed, ["content_hash"])
            changed = []
    if changed:
        Record.objects.bulk_update(changed, ["content_hash"])


class Migration(migrations.Migration):
    dependencies = [
        ("records", "0003_embargo_index"),
    ]

    operations = [
        migrations.RunPython(rehash, migrations.RunPython.noop),
    ]
