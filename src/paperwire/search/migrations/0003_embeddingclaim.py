"""Claims of ``paperwire embed`` runs on the papers they are encoding (``search.claims``)."""

from __future__ import annotations

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("search", "0002_postgres_fulltext"),
    ]

    operations = [
        migrations.CreateModel(
            name="EmbeddingClaim",
            fields=[
                ("paper_id", models.BigIntegerField(primary_key=True, serialize=False)),
                ("owner", models.CharField(max_length=200)),
                ("expires_at", models.DateTimeField(db_index=True)),
            ],
        ),
    ]
