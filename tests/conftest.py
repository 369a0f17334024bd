"""Shared test configuration: hypothesis profiles.

The default profile keeps the whole suite within a few minutes on two cores;
``HYPOTHESIS_PROFILE=thorough`` runs many more examples per property.
"""

import os

# One BLAS thread: on two cores, spinning BLAS threads make the small matrix
# products of these tests many times slower. Set before NumPy is imported.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

from hypothesis import HealthCheck, settings  # noqa: E402

settings.register_profile(
    "default",
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "thorough",
    max_examples=500,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))
