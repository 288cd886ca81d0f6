import time

from django.core.management.base import BaseCommand

from onboarding.uploads import THUMBNAIL_SUFFIX, private_storage, referenced_names

UPLOAD_DIRECTORY = "onboarding"  # where `document_path` puts every document


class Command(BaseCommand):
    help = (
        "Delete stored documents (and thumbnails) that no row references any more: files "
        "left by replaced uploads before they were deleted on save, or by saves that rolled "
        "back. Files younger than --min-age minutes are kept: their save may not be "
        "committed yet."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="List what would be deleted, delete nothing."
        )
        parser.add_argument(
            "--min-age",
            type=int,
            default=60,
            help="Only delete files last written at least this many minutes ago (default 60).",
        )

    def handle(self, *args, dry_run: bool, min_age: int, **options):
        # Listed through the storage (a folder walk, or the bucket's listing a thousand
        # objects per request): the same command runs against the disk and S3.
        files = sorted(private_storage.stored_files(UPLOAD_DIRECTORY), key=lambda f: f.name)
        referenced = referenced_names()
        oldest_kept = time.time() - min_age * 60
        orphans = []
        for file in files:
            if file.name.removesuffix(THUMBNAIL_SUFFIX) in referenced:
                continue
            if file.modified.timestamp() > oldest_kept:
                continue
            orphans.append((file.name, file.size))
        verb = "Would delete" if dry_run else "Deleted"
        for name, _size in orphans:
            if not dry_run:
                private_storage.delete(name)
            self.stdout.write(f"{verb} {name}")
        freed = sum(size for _name, size in orphans)
        self.stdout.write(
            self.style.SUCCESS(
                f"{verb} {len(orphans)} of {len(files)} files ({freed} bytes); "
                f"{len(files) - len(orphans)} kept, {len(referenced)} documents referenced."
            )
        )
