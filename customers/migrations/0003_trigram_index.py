from django.db import migrations


def create_trigram_index(apps, schema_editor):
    # PostgreSQL only: fuzzy name search uses pg_trgm; SQLite searches without an index.
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS customer_search_name_trgm ON customers_customer USING gin (search_name gin_trgm_ops)"
    )


def drop_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS customer_search_name_trgm")


class Migration(migrations.Migration):
    dependencies = [("customers", "0002_customer_search")]

    operations = [migrations.RunPython(create_trigram_index, drop_trigram_index)]
