"""Keep deployment parameters encrypted, under a hash of their uuid.

The documents are short-lived (minutes); unread ones are dropped rather than
converted, and the server that waited for them fails its build visibly.
"""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [("vmapi", "0001_initial")]

    operations = [
        migrations.DeleteModel(name="ServerParams"),
        migrations.CreateModel(
            name="ServerParams",
            fields=[
                ("key_hash", models.CharField(max_length=64, primary_key=True, serialize=False)),
                ("server_id", models.BigIntegerField(db_index=True)),
                ("sealed", models.TextField()),
                ("expires", models.DateTimeField(db_index=True)),
                ("created", models.DateTimeField(auto_now_add=True)),
            ],
        ),
    ]
