"""A real S3-compatible HTTP server for tests: moto's, in a thread of this process.

    with running_s3_server() as endpoint:  # "http://127.0.0.1:<port>"
        ...

Any access key and secret are accepted; buckets live in memory until the server stops.
`python -m tests.s3server` runs one by hand and prints its endpoint.
The port is chosen by the OS, so parallel runs never collide.
"""

import logging
from collections.abc import Iterator
from contextlib import contextmanager, suppress


@contextmanager
def running_s3_server(host: str = "127.0.0.1") -> Iterator[str]:
    """Start the server, yield its endpoint URL, stop it on the way out."""
    from moto.server import ThreadedMotoServer

    # The server logs every request at INFO through werkzeug's logger: tests read enough.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = ThreadedMotoServer(ip_address=host, port=0, verbose=False)
    server.start()
    try:
        bound_host, port = server.get_host_and_port()
        yield f"http://{bound_host}:{port}"
    finally:
        server.stop()


if __name__ == "__main__":
    # `python -m tests.s3server`: a server for manual runs, until Ctrl-C.
    import threading

    with running_s3_server() as endpoint:
        print(endpoint, flush=True)
        with suppress(KeyboardInterrupt):
            threading.Event().wait()
