"""The developer console's pages exercise the Open API: its fixtures (Alice's published
app, seller Sam and his shop) are the console tests' too."""

from tests.open_api.conftest import (  # noqa: F401  (fixtures)
    _fast_hasher,
    _private_media,
    alice_app,
    certified_alice,
    sam,
    sam_client,
)
