from django.db import migrations


def create_trigram_indexes(apps, schema_editor):
    # PostgreSQL only: the typos stage finds the nearest words with pg_trgm's % (indexed), and the exact and
    # words stages' LIKE '% word%' on the articles' text use the same kind of index. SQLite scans.
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS knowledge_term_trgm ON knowledge_articleterm USING gin (term gin_trgm_ops)"
    )
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS knowledge_article_text_trgm ON knowledge_article USING gin (search_text gin_trgm_ops)"
    )


def drop_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS knowledge_term_trgm")
        schema_editor.execute("DROP INDEX IF EXISTS knowledge_article_text_trgm")


class Migration(migrations.Migration):
    dependencies = [("knowledge", "0002_articles")]

    operations = [migrations.RunPython(create_trigram_indexes, drop_trigram_indexes)]
