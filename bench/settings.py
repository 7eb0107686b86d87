"""The product's settings with the benchmarks installed: `DJANGO_SETTINGS_MODULE=bench.settings`.

`bench` is not part of the installed package, so the project root must be on the Python path
(`make bench` and `make test` set both).
"""

from clientdesk.settings import *  # noqa: F403 -- every product setting, unchanged
from clientdesk.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "bench"]
ROOT_URLCONF = "bench.urls"  # the desk's URLs and `bench throughput`'s bare view
