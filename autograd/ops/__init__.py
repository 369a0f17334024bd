"""Primitive operations, grouped: elementwise, reduction, shape and indexing,
linear algebra. Each primitive is a :class:`autograd.function.Function`."""
