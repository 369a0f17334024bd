"""``Module`` and ``Parameter``: the containers every layer is built from.

A ``Module`` registers the ``Parameter`` objects and sub-modules assigned to its
attributes, so ``named_parameters()`` can walk the tree and produce the dotted
names PyTorch uses (``"0.weight"``, ``"layers.2.bias"``). ``state_dict()`` and
``load_state_dict()`` move parameter values in and out as NumPy arrays.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
from numpy.typing import DTypeLike

from autograd import Tensor, versions
from autograd.compiler import trace as _trace

if TYPE_CHECKING:
    from typing_extensions import Self

__all__ = ["IncompatibleKeys", "Module", "Parameter"]


class Parameter(Tensor):
    """A Tensor that a ``Module`` registers as one of its trainable values.

    Parameters
    ----------
    data : array_like or Tensor
        Initial value, copied. A NumPy array or Tensor keeps its dtype; Python
        numbers and lists get the default float dtype. (``torch.nn.Parameter``
        shares the storage of a tensor it wraps; a copy here means a parameter
        never aliases user data.)
    requires_grad : bool, default True
        Whether gradients are accumulated into ``.grad``.
    """

    def __init__(self, data: Any, requires_grad: bool = True) -> None:
        if isinstance(data, Tensor):
            data = data.data
        super().__init__(data, requires_grad=requires_grad)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()


class IncompatibleKeys(NamedTuple):
    """What ``load_state_dict(strict=False)`` skipped: missing and unexpected keys."""

    missing_keys: list[str]
    unexpected_keys: list[str]


def _addindent(text: str, spaces: int) -> str:
    lines = text.split("\n")
    return "\n".join([lines[0]] + [" " * spaces + line for line in lines[1:]])


class Module:
    """Base class of every layer, loss and model.

    Subclasses call ``super().__init__()`` first, assign ``Parameter`` and
    ``Module`` objects to attributes (they are registered automatically, in
    assignment order) and implement ``forward``. Calling the module calls
    ``forward``.

    Examples
    --------
    >>> class Affine(Module):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.scale = Parameter([2.0])
    ...     def forward(self, x):
    ...         return x * self.scale
    >>> [name for name, _ in Affine().named_parameters()]
    ['scale']
    """

    training: bool

    def __init__(self) -> None:
        # object.__setattr__ because our own __setattr__ relies on these dicts.
        object.__setattr__(self, "_parameters", {})
        object.__setattr__(self, "_modules", {})
        object.__setattr__(self, "_buffers", {})
        object.__setattr__(self, "_non_persistent", set())
        object.__setattr__(self, "training", True)

    # ------------------------------------------------------------ registration
    def _registries(self, name: str) -> tuple[dict, dict]:
        try:
            return self.__dict__["_parameters"], self.__dict__["_modules"]
        except KeyError:
            raise AttributeError(
                f"cannot assign {name!r} before Module.__init__() call: "
                f"call super().__init__() first in {type(self).__name__}.__init__"
            ) from None

    def __setattr__(self, name: str, value: Any) -> None:
        if isinstance(value, Parameter):
            params, modules = self._registries(name)
            self.__dict__.pop(name, None)
            modules.pop(name, None)
            params[name] = value
        elif isinstance(value, Module):
            params, modules = self._registries(name)
            self.__dict__.pop(name, None)
            params.pop(name, None)
            modules[name] = value
        elif name in self.__dict__.get("_parameters", {}):
            # Assigning a plain Tensor over a parameter would silently drop it
            # from parameters(); PyTorch refuses this too.
            if value is not None:
                raise TypeError(
                    f"cannot assign {type(value).__name__!r} as parameter {name!r} "
                    "(nn.Parameter or None expected)"
                )
            self._parameters[name] = None
        elif name in self.__dict__.get("_buffers", {}):
            self._set_buffer(name, value)
        elif name in self.__dict__.get("_modules", {}):
            if value is not None:
                raise TypeError(
                    f"cannot assign {type(value).__name__!r} as child module {name!r} "
                    "(nn.Module or None expected)"
                )
            self._modules[name] = None
        else:
            object.__setattr__(self, name, value)

    def __getattr__(self, name: str) -> Any:
        # Only called when normal lookup fails: look in the registries.
        d = self.__dict__
        if name in d.get("_parameters", {}):
            return d["_parameters"][name]
        if name in d.get("_modules", {}):
            return d["_modules"][name]
        if name in d.get("_buffers", {}):
            return d["_buffers"][name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def __delattr__(self, name: str) -> None:
        if name in self._parameters:
            del self._parameters[name]
        elif name in self._modules:
            del self._modules[name]
        elif name in self.__dict__.get("_buffers", {}):
            del self._buffers[name]
            self._non_persistent.discard(name)
        else:
            object.__delattr__(self, name)

    def __dir__(self) -> list[str]:
        return sorted(
            set(super().__dir__())
            | set(self._parameters)
            | set(self._modules)
            | set(self.__dict__.get("_buffers", {}))
        )

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Register ``param`` under ``name``; ``None`` reserves the name (a layer without bias)."""
        if not isinstance(name, str) or not name or "." in name:
            raise KeyError(f"parameter name must be a non-empty string without '.', got {name!r}")
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(
                f"cannot assign {type(param).__name__!r} as parameter {name!r} "
                "(nn.Parameter or None expected)"
            )
        self._registries(name)
        self.__dict__.pop(name, None)
        self._modules.pop(name, None)
        self._parameters[name] = param

    def add_module(self, name: str, module: Module | None) -> None:
        """Register ``module`` as a child under ``name`` (used by containers with numeric names)."""
        if not isinstance(name, str) or not name or "." in name:
            raise KeyError(f"module name must be a non-empty string without '.', got {name!r}")
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{type(module).__name__} is not a Module subclass")
        self._registries(name)
        self.__dict__.pop(name, None)
        self._parameters.pop(name, None)
        self._modules[name] = module

    # --------------------------------------------------------------- buffers
    def register_buffer(self, name: str, tensor: Any, persistent: bool = True) -> None:
        """Register ``tensor`` as a buffer: module state that is not a parameter.

        Buffers (``BatchNorm``'s ``running_mean``, ...) get no gradient and are
        not returned by ``parameters()``; persistent ones are in ``state_dict``
        (so ``nn.save`` and ``nn.load`` keep them). ``tensor`` is a Tensor, an
        array (stored as a Tensor) or ``None`` (the name is reserved).
        """
        if not isinstance(name, str) or not name or "." in name:
            raise KeyError(f"buffer name must be a non-empty string without '.', got {name!r}")
        params, modules = self._registries(name)
        if name in params or name in modules:
            raise KeyError(f"attribute {name!r} already exists as a parameter or submodule")
        self.__dict__.pop(name, None)
        self._buffers[name] = None
        self._set_buffer(name, tensor)
        if persistent:
            self._non_persistent.discard(name)
        else:
            self._non_persistent.add(name)

    def _set_buffer(self, name: str, value: Any) -> None:
        if value is not None and not isinstance(value, Tensor):
            if not isinstance(value, (np.ndarray, np.generic)):
                raise TypeError(
                    f"cannot assign {type(value).__name__!r} as buffer {name!r} "
                    "(Tensor, numpy array or None expected)"
                )
            value = Tensor(np.array(value))
        self._buffers[name] = value

    def named_buffers(self, prefix: str = "", recurse: bool = True) -> Iterator[tuple[str, Tensor]]:
        """Yield ``(dotted name, buffer)`` pairs, e.g. ``("0.running_mean", ...)``."""
        walk = self.named_modules(prefix) if recurse else iter([(prefix, self)])
        for mod_name, module in walk:
            for name, buf in module.__dict__.get("_buffers", {}).items():
                if buf is not None:
                    yield (f"{mod_name}.{name}" if mod_name else name), buf

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        """Yield every buffer (see :meth:`register_buffer`)."""
        for _, buf in self.named_buffers(recurse=recurse):
            yield buf

    def _persistent_buffers(self) -> dict[str, Tensor]:
        out = {}
        for mod_name, module in self.named_modules():
            skip = module.__dict__.get("_non_persistent", set())
            for name, buf in module.__dict__.get("_buffers", {}).items():
                if buf is not None and name not in skip:
                    out[f"{mod_name}.{name}" if mod_name else name] = buf
        return out

    # ------------------------------------------------------------- traversal
    def named_modules(self, prefix: str = "") -> Iterator[tuple[str, Module]]:
        """Yield ``(dotted name, module)`` for self (named ``prefix``) and all below, once each."""
        seen: set[int] = set()
        stack: list[tuple[str, Module]] = [(prefix, self)]
        while stack:  # iterative pre-order walk, so deep nesting cannot hit the recursion limit
            name, module = stack.pop()
            if id(module) in seen:
                continue
            seen.add(id(module))
            yield name, module
            children = [
                (f"{name}.{key}" if name else key, child)
                for key, child in module._modules.items()
                if child is not None
            ]
            stack.extend(reversed(children))

    def modules(self) -> Iterator[Module]:
        """Yield this module and every module below it, once each."""
        for _, module in self.named_modules():
            yield module

    def named_children(self) -> Iterator[tuple[str, Module]]:
        """Yield ``(name, module)`` for the direct children."""
        seen: set[int] = set()
        for name, child in self._modules.items():
            if child is not None and id(child) not in seen:
                seen.add(id(child))
                yield name, child

    def children(self) -> Iterator[Module]:
        """Yield the direct child modules."""
        for _, child in self.named_children():
            yield child

    def named_parameters(
        self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Parameter]]:
        """Yield ``(dotted name, parameter)`` pairs, e.g. ``("0.weight", ...)``.

        Parameters
        ----------
        prefix : str
            Prepended (with a dot) to every name.
        recurse : bool
            If False, only this module's own parameters.
        remove_duplicate : bool
            A parameter shared by several modules is yielded once (under its
            first name) unless this is False.
        """
        seen: set[int] = set()
        walk = self.named_modules(prefix) if recurse else iter([(prefix, self)])
        for mod_name, module in walk:
            for name, param in module._parameters.items():
                if param is None:
                    continue
                if remove_duplicate:
                    if id(param) in seen:
                        continue
                    seen.add(id(param))
                yield (f"{mod_name}.{name}" if mod_name else name), param

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        """Yield every parameter once, in registration order (what optimizers take)."""
        for _, param in self.named_parameters(recurse=recurse):
            yield param

    # --------------------------------------------------------- mode and grads
    def train(self, mode: bool = True) -> Module:
        """Set training (``mode=True``) or evaluation mode here and in all submodules."""
        if not isinstance(mode, bool):
            raise ValueError(f"train(mode) expects a bool, got {type(mode).__name__}")
        for module in self.modules():
            object.__setattr__(module, "training", mode)
        return self

    def eval(self) -> Module:
        """Set evaluation mode (``train(False)``): dropout becomes the identity. Returns self."""
        return self.train(False)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset parameters' gradients to ``None`` (default, as PyTorch) or to new zeros.

        Zeros are new arrays rather than the old ones zeroed in place: the
        engine may hand one gradient Tensor to several leaves.
        """
        for param in self.parameters():
            if param.grad is None:
                continue
            if set_to_none:
                param.grad = None
            else:
                param.grad = Tensor(np.zeros_like(param.grad.data))
        if _trace.current is not None and set_to_none:
            _trace.note_cleared(self.parameters())

    def apply(self, fn: Any) -> Module:
        """Call ``fn(module)`` on every child (recursively) and then on self; return self."""
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    # ------------------------------------------------------------------ dtype
    def to(self, dtype: DTypeLike) -> Self:
        """Convert every floating-point parameter and buffer to ``dtype``, in place.

        As ``torch.nn.Module.to(dtype)``: the Parameter objects stay the same
        (only their ``data``, and ``grad`` if present, are replaced by converted
        arrays), so references to them stay valid; integer and boolean values
        (a step counter, say) are left alone. Create optimizers after the
        conversion, as in PyTorch: they then allocate their state in the new
        dtype.

        Parameters
        ----------
        dtype : dtype
            A floating-point NumPy dtype (``np.float32``, ``"float64"``, ...).

        Returns
        -------
        Module
            ``self``.

        Raises
        ------
        TypeError
            If ``dtype`` is not a floating-point dtype. Nothing is changed.

        Examples
        --------
        >>> import numpy as np
        >>> import nn
        >>> model = nn.Linear(2, 1).to(np.float32)
        >>> model.weight.dtype
        dtype('float32')
        """
        try:
            # np.dtype(None) is float64: refuse it rather than guess.
            target = np.dtype(dtype) if dtype is not None else None
        except TypeError:
            target = None
        if target is None:
            raise TypeError(
                f"Module.to expects a floating-point dtype such as np.float32, got {dtype!r}"
            )
        if target.kind != "f":
            raise TypeError(
                f"Module.to only accepts floating-point dtypes, but got dtype={target} "
                f"for {type(self).__name__}"
            )

        def convert(t: Tensor) -> None:
            if t.data.dtype.kind == "f" and t.data.dtype != target:
                t.data = t.data.astype(target)
            grad = t.grad
            if grad is not None and grad.data.dtype.kind == "f" and grad.data.dtype != target:
                grad.data = grad.data.astype(target)

        seen: set[int] = set()
        for module in self.modules():
            values = list(module._parameters.values())
            # Buffers (running statistics) are plain Tensors kept beside the
            # parameters, by layers that have them.
            values += list(module.__dict__.get("_buffers", {}).values())
            for t in values:
                if t is not None and id(t) not in seen:
                    seen.add(id(t))
                    convert(t)
        return self

    def float(self) -> Self:
        """Convert floating-point parameters and buffers to float32 (``to(np.float32)``)."""
        return self.to(np.float32)

    def double(self) -> Self:
        """Convert floating-point parameters and buffers to float64 (``to(np.float64)``)."""
        return self.to(np.float64)

    # ------------------------------------------------------------ state dicts
    def state_dict(self) -> dict[str, np.ndarray]:
        """Map each dotted parameter and persistent buffer name to a copy of its value.

        A parameter shared by several modules appears under each of its names,
        as in PyTorch, so a state dict always has an entry for every name a
        module of the same structure expects.
        """
        state = {
            name: np.array(param.data, copy=True)
            for name, param in self.named_parameters(remove_duplicate=False)
        }
        for name, buf in self._persistent_buffers().items():
            state[name] = np.array(buf.data, copy=True)
        return state

    def load_state_dict(self, state: Mapping[str, Any], strict: bool = True) -> IncompatibleKeys:
        """Copy values from ``state`` into the parameters, in place.

        Every key, shape and dtype is checked before anything is changed: if
        any check fails, a ``RuntimeError`` lists all problems and the module is
        left exactly as it was. Values are copied into the existing arrays
        (``param.data``), so optimizers holding the parameters keep working.

        Parameters
        ----------
        state : mapping of str to numpy.ndarray or Tensor
            Typically the result of ``state_dict()`` or ``nn.load(path)``.
        strict : bool, default True
            If True, missing and unexpected keys are errors. If False they are
            skipped and reported in the result; shapes and dtypes of the keys
            that do match are still checked.

        Returns
        -------
        IncompatibleKeys
            Named tuple ``(missing_keys, unexpected_keys)``.
        """
        if not isinstance(state, Mapping):
            raise TypeError(
                f"load_state_dict expects a mapping of names to arrays, got {type(state).__name__}"
            )
        own: dict[str, Tensor] = dict(self.named_parameters(remove_duplicate=False))
        own.update(self._persistent_buffers())
        missing = [k for k in own if k not in state]
        unexpected = [k for k in state if k not in own]
        errors: list[str] = []
        if strict:
            if unexpected:
                errors.append(
                    "Unexpected key(s) in state_dict: " + ", ".join(f'"{k}"' for k in unexpected)
                )
            if missing:
                errors.append(
                    "Missing key(s) in state_dict: " + ", ".join(f'"{k}"' for k in missing)
                )
        updates: list[tuple[Tensor, np.ndarray]] = []
        for name, param in own.items():
            if name not in state:
                continue
            value = state[name]
            if isinstance(value, Tensor):
                value = value.data
            if not isinstance(value, (np.ndarray, np.generic)):
                errors.append(
                    f"value for {name} must be a numpy array or Tensor, got {type(value).__name__}"
                )
                continue
            value = np.asarray(value)
            if value.shape != param.data.shape:
                errors.append(
                    f"size mismatch for {name}: copying a param with shape {value.shape}, "
                    f"the shape in current model is {param.data.shape}"
                )
            elif value.dtype != param.data.dtype:
                errors.append(
                    f"dtype mismatch for {name}: copying a param with dtype {value.dtype}, "
                    f"the dtype in current model is {param.data.dtype}"
                )
            else:
                updates.append((param, value))
        if errors:
            raise RuntimeError(
                f"Error(s) in loading state_dict for {type(self).__name__}:\n\t"
                + "\n\t".join(errors)
            )
        for param, value in updates:
            np.copyto(param.data, value)
            versions.bump(param.data)
        return IncompatibleKeys(missing, unexpected)

    # --------------------------------------------------------------- calling
    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """Compute the module's output; every subclass defines it."""
        raise NotImplementedError(f'Module [{type(self).__name__}] is missing the "forward" method')

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if _trace.current is not None:  # a compiled step guards on `training`
            _trace.note_module(self)
        return self.forward(*args, **kwargs)

    # ------------------------------------------------------------------ repr
    def extra_repr(self) -> str:
        """One-line description of the module's settings, shown inside its repr."""
        return ""

    def __repr__(self) -> str:
        extra = self.extra_repr()
        lines = extra.split("\n") if extra else []
        for name, child in self._modules.items():
            lines.append(f"({name}): " + _addindent(repr(child), 2))
        main = type(self).__name__ + "("
        if lines:
            if len(lines) == 1 and not self._modules:
                main += lines[0]
            else:
                main += "\n  " + "\n  ".join(lines) + "\n"
        return main + ")"
