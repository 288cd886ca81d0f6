from django.apps import AppConfig


class DemoConfig(AppConfig):
    # The top floor: demo seeding and bench data may import every app; no app imports it.
    name = "demo"
