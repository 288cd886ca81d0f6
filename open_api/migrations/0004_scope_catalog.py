"""The scope catalog, and what apps made before scopes were chosen per app keep.

Until now every app asked for every scope and received both webhook topics: each existing
app is given exactly that (its restricted scopes granted too), so no integration breaks.
"""

from django.db import migrations

CATALOG = [
    # key, name, description, restricted, endpoints
    (
        "seller.authorization.info",
        "Authorization information",
        "See which of your shops authorized this app",
        False,
        ["getAuthorizedShops", "deauthorizeShop"],
    ),
    (
        "seller.shop.info",
        "Shop information",
        "Read your shops' names, regions and seller types",
        False,
        [],
    ),
    (
        "seller.order.info",
        "Order information",
        "Read your orders, their buyers' delivery details and their fulfilment status",
        True,
        [],
    ),
    (
        "seller.product.basic",
        "Product basics",
        "Read and update your products and inventory",
        False,
        [],
    ),
]
TOPICS = (6, 7)


def forward(apps, schema_editor):
    Scope = apps.get_model("open_api", "Scope")
    AppScope = apps.get_model("open_api", "AppScope")
    WebhookSubscription = apps.get_model("open_api", "WebhookSubscription")
    App = apps.get_model("apps_services", "App")
    for position, (key, name, description, restricted, endpoints) in enumerate(CATALOG):
        Scope.objects.update_or_create(
            key=key,
            defaults={
                "name": name,
                "description": description,
                "restricted": restricted,
                "endpoints": endpoints,
                "position": position,
            },
        )
    app_ids = list(App.objects.values_list("pk", flat=True))
    for start in range(0, len(app_ids), 1000):
        chunk = app_ids[start : start + 1000]
        AppScope.objects.bulk_create(
            [
                AppScope(
                    app_id=app_id,
                    scope_id=key,
                    state="granted",
                    decision_note="Held before scopes were chosen per app.",
                )
                for app_id in chunk
                for key, *_rest in CATALOG
            ],
            ignore_conflicts=True,
        )
        WebhookSubscription.objects.bulk_create(
            [
                WebhookSubscription(app_id=app_id, event_type=topic)
                for app_id in chunk
                for topic in TOPICS
            ],
            ignore_conflicts=True,
        )


class Migration(migrations.Migration):
    dependencies = [
        ("open_api", "0003_developer_console"),
        ("apps_services", "0007_open_api_models_moved"),
    ]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
