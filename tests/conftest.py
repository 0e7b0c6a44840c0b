"""Test configuration: a deterministic Hypothesis profile for CI and local runs.

``ci`` (the default) derandomizes Hypothesis so that every run explores the same
examples, disables the example database and the per-example deadline (timings on a
shared 2-core machine are noisy). ``dev`` explores randomly with more examples:
``HYPOTHESIS_PROFILE=dev pytest``.
"""

import os

from hypothesis import HealthCheck, settings

settings.register_profile("ci", derandomize=True, deadline=None, database=None, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=300, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
