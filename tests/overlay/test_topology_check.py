"""`manage.py check --deploy` says when several processes would each keep their own cache."""

from tests.overlay.test_deploy import PRODUCTION, manage


def test_a_broker_without_a_shared_cache_fails_the_deploy_check():
    broker = {**PRODUCTION, "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0"}
    alone = manage("check", "--deploy", "--fail-level", "WARNING", **broker, CACHE_URL="")
    assert alone.returncode != 0 and "overlay.W101" in alone.stdout + alone.stderr
    shared = manage("check", "--deploy", "--fail-level", "WARNING", **broker, CACHE_URL="redis://127.0.0.1:6379/1")
    assert shared.returncode == 0, shared.stdout + shared.stderr
