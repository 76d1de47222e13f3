"""Local development: no environment variables needed, emails print to the console."""

from orgconsole.env import env, env_bool

from .base import *  # noqa: F403

DEBUG = env_bool("DEBUG", True)
SECRET_KEY = env("SECRET_KEY", "django-insecure-development-only-key-do-not-deploy")

# Deliver notification emails as soon as the change commits, without a worker process.
TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
