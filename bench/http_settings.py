"""Settings for the HTTP part of `make bench`: the hub's settings plus the plain comparison
view (bench.plain_api). Everything else comes from the environment as usual."""

from hub.settings import *  # noqa: F403

ROOT_URLCONF = "bench.plain_api"
