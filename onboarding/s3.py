"""Documents in a private S3-compatible bucket (AWS S3, MinIO, Cloudflare R2).

Loaded only when STORAGES names it (AWS_STORAGE_BUCKET_NAME set): this is where boto3 comes in.
"""

from collections.abc import Iterator

from django.urls import reverse
from storages.backends.s3 import S3Storage

from .uploads import StoredFile


def listed_objects(storage: S3Storage, prefix: str = "") -> Iterator[StoredFile]:
    """Every object under `prefix` of `storage`, named as the storage names it, a thousand
    per request (one HEAD per file would be a request per file)."""
    location = storage.location.strip("/")
    root = "/".join(part for part in (location, prefix.strip("/")) if part)
    root = f"{root}/" if root else ""
    paginator = storage.connection.meta.client.get_paginator("list_objects_v2")
    for page in paginator.paginate(Bucket=storage.bucket_name, Prefix=root):
        for item in page.get("Contents", []):
            name = item["Key"][len(location) + 1 :] if location else item["Key"]
            yield StoredFile(name=name, size=item["Size"], modified=item["LastModified"])


class S3DocumentStorage(S3Storage):
    """Documents in a bucket with no public access. A document's `url()` stays the view that
    checks who reads it; only that view asks for a signed URL."""

    def url(self, name, parameters=None, expire=None, http_method=None):
        return reverse("onboarding:document", kwargs={"name": name})

    def signed_url(self, name: str, *, content_type: str, disposition: str) -> str:
        """A GET URL valid for `querystring_expire` seconds (AWS_QUERYSTRING_EXPIRE) that
        makes the bucket answer with the document's own type and disposition."""
        parameters = {
            "ResponseContentType": content_type,
            "ResponseContentDisposition": disposition,
        }
        return super().url(name, parameters=parameters, expire=self.querystring_expire)

    def stored_files(self, prefix: str = "") -> Iterator[StoredFile]:
        return listed_objects(self, prefix)
