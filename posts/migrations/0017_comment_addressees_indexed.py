"""Every comment answers an artifact's author (filled in by 0016); both addressees indexed with the comment's time:
a person's replies are read newest first from these two indexes (network.selectors)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("posts", "0016_comment_addressees_filled"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="comment",
            name="artifact_author",
            field=models.ForeignKey(
                db_index=False,
                editable=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddIndex(
            model_name="comment",
            index=models.Index(fields=["artifact_author", "created_at"], name="comment_to_artifact_author"),
        ),
        migrations.AddIndex(
            model_name="comment",
            index=models.Index(fields=["parent_author", "created_at"], name="comment_to_parent_author"),
        ),
    ]
