"""docker-compose.yml read as data: every app service runs on the same variables, and the
services start in an order that works — nothing runs before the schema and the bucket exist.

No Docker needed: these are the facts `docker compose up` depends on, checked from the file.
"""

from tests.deploy.servers import command_line, compose

APP_SERVICES = {"migrate", "web1", "web2", "worker1", "worker2", "webhook-worker", "beat"}
BACKING_SERVICES = {"postgres", "redis", "minio", "createbuckets"}


def after(service: dict) -> dict:
    return service.get("depends_on", {})


def test_the_stack_has_two_web_nodes_two_workers_one_beat_and_its_backing_services():
    # when
    services = compose()["services"]

    # then
    assert set(services) == APP_SERVICES | BACKING_SERVICES
    assert command_line("web1") == command_line("web2")
    assert command_line("web1")[0] == "gunicorn"
    assert [line[:4] for line in (command_line("worker1"), command_line("worker2"))] == [
        ["celery", "-A", "partner_center", "worker"]
    ] * 2
    assert command_line("beat")[:4] == ["celery", "-A", "partner_center", "beat"]
    # the two web nodes answer on different published ports
    published = [port for name in ("web1", "web2") for port in services[name]["ports"]]
    assert len({port.split(":")[0] for port in published}) == 2


def test_every_app_service_reads_the_same_environment():
    # given: the one anchor (PyYAML resolves `<<` merges into copies of it)
    shared = compose()["x-app"]["environment"]
    services = compose()["services"]

    # then: the same variables, the same values, documents in the bucket for all
    for name in APP_SERVICES:
        assert services[name]["environment"] == shared, name
    assert {"DATABASE_URL", "REDIS_URL", "AWS_STORAGE_BUCKET_NAME", "AWS_S3_ENDPOINT_URL"} <= set(
        shared
    )
    assert shared["AWS_S3_ENDPOINT_URL"].endswith("http://minio:9000}")


def test_each_node_keeps_its_scratch_space_on_a_volume_of_its_own():
    services = compose()["services"]
    volumes = [services[name]["volumes"][0].split(":")[0] for name in sorted(APP_SERVICES)]
    assert len(set(volumes)) == len(APP_SERVICES)


def test_migrate_waits_for_postgres_and_everything_else_for_migrate_and_the_bucket():
    services = compose()["services"]

    assert after(services["migrate"]) == {"postgres": {"condition": "service_healthy"}}
    for name in APP_SERVICES - {"migrate"}:
        depends = after(services[name])
        assert depends["migrate"] == {"condition": "service_completed_successfully"}, name
        assert depends["createbuckets"] == {"condition": "service_completed_successfully"}, name
        assert depends["postgres"]["condition"] == "service_healthy", name
        assert depends["redis"]["condition"] == "service_healthy", name
    assert after(services["createbuckets"]) == {"minio": {"condition": "service_healthy"}}


def test_the_bucket_is_created_private_with_the_stacks_own_credentials():
    services = compose()["services"]
    script = " ".join(services["createbuckets"]["entrypoint"])
    shared = compose()["x-app"]["environment"]

    assert services["createbuckets"]["image"].startswith("minio/mc")
    assert "mc mb --ignore-existing" in script
    assert "anonymous set none" in script
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_STORAGE_BUCKET_NAME"):
        assert services["createbuckets"]["environment"][name] == shared[name]
    minio = services["minio"]["environment"]
    assert minio["MINIO_ROOT_USER"] == shared["AWS_ACCESS_KEY_ID"]
    assert minio["MINIO_ROOT_PASSWORD"] == shared["AWS_SECRET_ACCESS_KEY"]
