import os
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.core.files.storage import FileSystemStorage, storages
from django.core.management.base import BaseCommand, CommandError

PROGRESS_EVERY = 50  # files between two progress lines when stderr is not a terminal


class Command(BaseCommand):
    help = (
        "Copy the documents (PRIVATE_MEDIA_ROOT: uploads and thumbnails) and media files "
        "(MEDIA_ROOT) kept on this machine's disk to the bucket STORAGES points at, under the "
        "same names, so rows written before the switch find their files. Run it again at "
        "will: an object already in the bucket with the same size is skipped."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Count what would be copied, copy nothing."
        )

    def handle(self, *args, dry_run: bool, **options):
        plan = [
            ("documents", Path(settings.PRIVATE_MEDIA_ROOT)),
            ("default", Path(settings.MEDIA_ROOT)),
        ]
        for alias, _root in plan:
            if isinstance(storages[alias], FileSystemStorage):
                raise CommandError(
                    f"Object storage is not configured: STORAGES['{alias}'] is the local disk. "
                    "Set AWS_STORAGE_BUCKET_NAME (and AWS_S3_ENDPOINT_URL for MinIO or R2, "
                    "credentials in AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY) first."
                )
        from onboarding.s3 import listed_objects  # boto3 is only needed from here on

        work = []
        for alias, root in plan:
            target = storages[alias]
            in_bucket = {obj.name: obj.size for obj in listed_objects(target)}
            work += [(target, in_bucket, root, name, size) for name, size in local_files(root)]
        total, copied, skipped, copied_bytes = len(work), 0, 0, 0
        for done, (target, in_bucket, root, name, size) in enumerate(work, start=1):
            if in_bucket.get(name) == size:
                skipped += 1
            else:
                if not dry_run:
                    copy(root / name, target, name, replace=name in in_bucket)
                copied += 1
                copied_bytes += size
            self.progress(done, total, copied, skipped, dry_run=dry_run)
        verb = "Would copy" if dry_run else "Copied"
        self.stdout.write(
            self.style.SUCCESS(
                f"{verb} {copied} of {total} files ({copied_bytes} bytes); "
                f"{skipped} already in the bucket."
            )
        )

    def progress(self, done: int, total: int, copied: int, skipped: int, *, dry_run: bool):
        line = f"{done}/{total} {'to copy' if dry_run else 'copied'}: {copied}, skipped: {skipped}"
        if self.stderr.isatty():
            self.stderr.write(f"\r{line}", ending="\n" if done == total else "")
        elif done % PROGRESS_EVERY == 0 or done == total:
            self.stderr.write(line)


def local_files(root: Path) -> list[tuple[str, int]]:
    """(name relative to `root`, size) of every file under `root`, sorted."""
    found = []
    for directory, _dirs, files in os.walk(root):
        for file in files:
            path = Path(directory, file)
            found.append((path.relative_to(root).as_posix(), path.stat().st_size))
    return sorted(found)


def copy(path: Path, target, name: str, *, replace: bool) -> None:
    """Upload `path` as `name`. An object of another size under that name is replaced (the
    bucket never overwrites on its own: it would pick a new name, which no row knows)."""
    if replace:
        target.delete(name)
    with path.open("rb") as stream:
        stored = target.save(name, File(stream, name=name))
    if stored != name:
        raise CommandError(f"{name} was stored as {stored}: copy aborted.")
