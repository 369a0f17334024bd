"""Op-table rows for ``autograd/ops/convert.py``.

The float conversions are ``Cast`` nodes; a row goes through float64 and
back to the input dtype (exact both ways from float32), so the finite
differences see the identity and every spelling's gradient is cast back.
Integer and boolean conversions carry no gradient: ``test_convert.py``
checks them.
"""

from __future__ import annotations

import numpy as np

from autograd import Tensor
from tests.autograd.opspec import OpSpec


def _roundtrips(x: Tensor) -> Tensor:
    back = x.dtype
    return (
        x.double().to(back)
        + x.to("cpu", np.float64).type(back) * 2.0
        + x.to(dtype="float64", device="cpu").type_as(x) * 3.0
        + (x.float().double().to(x) if back == np.float32 else x.to(x)) * 4.0
    )


ROWS: list[OpSpec] = [
    OpSpec(
        "dtype_roundtrips",
        _roundtrips,
        lambda x: x * 10.0,
        1,
        "elementwise",
        api=("double", "float", "to", "type", "type_as"),
        torch=lambda x: x.double() + x.double() * 2.0 + x * 3.0 + x.to(x) * 4.0,
    ),
]
