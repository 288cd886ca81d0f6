"""Run as a separate process: store one document the way a save does (field validator, then
pre_save) and print, as JSON, the outcome and the memory it took.

Pillow allocates pixel memory outside Python's allocator, where tracemalloc cannot see it,
so the figure that counts is the process's peak resident size minus its size before the
upload; tracemalloc's peak is printed too, for the Python side (buffers, copies of bytes).
"""

import json
import os
import sys
import tracemalloc

import django


def status_bytes(key: str) -> int:
    # VmHWM, not getrusage's ru_maxrss: the latter keeps the parent's peak across exec.
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(key + ":"):
                return int(line.split()[1]) * 1024
    raise LookupError(key)


def main(path: str) -> None:
    django.setup()
    from django.core.exceptions import ValidationError
    from django.core.files import File

    from onboarding.models import CompanyEntity

    field = CompanyEntity._meta.get_field("id_document")
    entity = CompanyEntity()
    before = status_bytes("VmRSS")
    tracemalloc.start()
    with open(path, "rb") as upload:
        entity.id_document = File(upload, name=os.path.basename(path))
        try:
            field.clean(entity.id_document, entity)
            field.pre_save(entity, add=True)
            outcome = "stored"
        except ValidationError as exc:
            outcome = exc.error_list[0].code
    python_peak = tracemalloc.get_traced_memory()[1]
    peak = status_bytes("VmHWM")
    print(
        json.dumps(
            {"outcome": outcome, "peak_bytes": peak - before, "python_peak_bytes": python_peak}
        )
    )


if __name__ == "__main__":
    main(sys.argv[1])
