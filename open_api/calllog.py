"""The API call log (SPEC §4.8): what each Open API call did, recorded off the request path.

`open_api.api` fills a `CallNote` as the call goes (the endpoint, the app once known, the
shop, the error code) and hands it to `record()` with the response.
"""

import time
from dataclasses import dataclass

from .endpoints import Endpoint


@dataclass
class CallNote:
    """What the call log keeps of one call; each step fills in what it learns."""

    endpoint: Endpoint | None
    started: float  # time.perf_counter() when the call arrived
    app_id: int | None = None
    shop_cipher: str = ""
    shop_id: str = ""
    code: int = 0

    def latency_ms(self) -> int:
        return int((time.perf_counter() - self.started) * 1000)


def record(request, note: CallNote, response) -> None:
    """Keep the call for the log. (Buffered and written in bulk: to be written.)"""
