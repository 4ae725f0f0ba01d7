"""``Module``: a layer, or a network of layers, that owns its parameters.

A model is a tree: a ``Module`` holds its own ``Parameter``s (the tensors an
optimizer trains), its buffers (other state worth saving, such as BatchNorm's
running averages) and its child modules. Assigning one as an attribute,

    self.fc = Linear(3, 4)          # registers a child module named 'fc'
    self.scale = Parameter(ones(4)) # registers a parameter named 'scale'

is all it takes to register it: ``__setattr__`` notices the type and files it
in the right dictionary, in assignment order. Everything else walks that tree:
``parameters()`` for the optimizer, ``state_dict()`` for checkpoints (dotted
names such as ``'fc.weight'``), ``train()``/``eval()`` for layers that act
differently while training, ``to()`` for moving to the GPU.

Parameters keep their identity for life: ``to()``, ``double()`` and
``load_state_dict()`` change the numbers in ``.data``, never the Parameter
objects, so an optimizer built beforehand still holds the right tensors.
"""
from collections import OrderedDict, namedtuple

import numpy

from .. import backend
from ..autograd import no_grad
from ..tensor import Tensor
from ..tensor_base import to_arguments


class Parameter(Tensor):
    """A Tensor that is a trainable part of a Module (requires grad unless told otherwise)."""

    __slots__ = ()  # Tensor has __slots__; this keeps Parameters as lean

    def __init__(self, data, requires_grad=True):
        super().__init__(data.data if isinstance(data, Tensor) else data, requires_grad=requires_grad)

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()


IncompatibleKeys = namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])


class Module:
    """Base class of every layer: subclass it, assign parts in ``__init__``, write ``forward``."""

    def __init__(self):
        # object.__setattr__: our own __setattr__ needs these dictionaries to exist already.
        object.__setattr__(self, "_parameters", {})
        object.__setattr__(self, "_buffers", {})
        object.__setattr__(self, "_modules", {})
        self.training = True  # train() and eval() switch it for the whole tree

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} has no forward() method")

    def __call__(self, *args, **kwargs):
        return self.forward(*args, **kwargs)

    # ---- registration ------------------------------------------------------------
    def __setattr__(self, name, value):
        parameters, buffers, modules = (self.__dict__.get(r) for r in ("_parameters", "_buffers", "_modules"))
        if isinstance(value, (Parameter, Module)):
            if parameters is None:
                raise AttributeError(f"cannot assign {name!r} before Module.__init__() is called")
            registry = parameters if isinstance(value, Parameter) else modules
            self._forget(name, keep=registry)  # reassigning keeps the name's place in the order
            registry[name] = value
        elif parameters is not None and name in parameters:
            if value is not None:
                raise TypeError(f"cannot assign a {type(value).__name__} as parameter {name!r} (Parameter or None expected)")
            parameters[name] = None
        elif modules is not None and name in modules:
            if value is not None:
                raise TypeError(f"cannot assign a {type(value).__name__} as child module {name!r} (Module or None expected)")
            modules[name] = None
        elif buffers is not None and name in buffers:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(f"cannot assign a {type(value).__name__} as buffer {name!r} (Tensor or None expected)")
            buffers[name] = value
        else:
            object.__setattr__(self, name, value)

    def __getattr__(self, name):
        # Called only when normal lookup fails, i.e. for registered parts.
        for registry in ("_parameters", "_buffers", "_modules"):
            entries = self.__dict__.get(registry, {})
            if name in entries:
                return entries[name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute {name!r}")

    def __delattr__(self, name):
        if not self._forget(name):
            object.__delattr__(self, name)

    def _forget(self, name, keep=None):
        """Remove ``name`` from whichever registry (but ``keep``) or plain attribute holds it; True if a registry did."""
        for registry in (self._parameters, self._buffers, self._modules):
            if name in registry and registry is not keep:
                del registry[name]
                return True
        self.__dict__.pop(name, None)
        return False

    def register_parameter(self, name, parameter):
        """Register ``parameter`` (a Parameter, or None for an absent one such as ``bias=False``)."""
        if parameter is not None and not isinstance(parameter, Parameter):
            raise TypeError(f"register_parameter: {name!r} must be a Parameter or None, not {type(parameter).__name__}")
        self._forget(name, keep=self._parameters)
        self._parameters[name] = parameter

    def register_buffer(self, name, tensor):
        """Register state that is saved in ``state_dict`` and moved by ``to`` but not trained."""
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"register_buffer: {name!r} must be a Tensor or None, not {type(tensor).__name__}")
        self._forget(name, keep=self._buffers)
        self._buffers[name] = tensor

    def add_module(self, name, module):
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"add_module: {name!r} must be a Module or None, not {type(module).__name__}")
        self._forget(name, keep=self._modules)
        self._modules[name] = module

    # ---- walking the tree ------------------------------------------------------
    def named_modules(self, prefix=""):
        """(dotted name, module) for this module and every descendant, each module once."""
        seen, stack = set(), [(prefix, self)]
        while stack:
            name, module = stack.pop()
            if id(module) in seen:
                continue
            seen.add(id(module))
            yield name, module
            children = [(f"{name}.{n}" if name else n, m) for n, m in module._modules.items() if m is not None]
            stack.extend(reversed(children))  # reversed: pop in registration order

    def modules(self):
        return (module for _, module in self.named_modules())

    def named_children(self):
        return ((name, m) for name, m in self._modules.items() if m is not None)

    def children(self):
        return (module for _, module in self.named_children())

    def _named_members(self, registry, recurse):
        """(dotted name, tensor) from each module's ``registry``; a tensor shared by two modules once."""
        seen = set()
        walk = self.named_modules() if recurse else [("", self)]
        for module_name, module in walk:
            for name, value in getattr(module, registry).items():
                if value is None or id(value) in seen:
                    continue
                seen.add(id(value))
                yield (f"{module_name}.{name}" if module_name else name), value

    def named_parameters(self, recurse=True):
        return self._named_members("_parameters", recurse)

    def parameters(self, recurse=True):
        return (p for _, p in self.named_parameters(recurse))

    def named_buffers(self, recurse=True):
        return self._named_members("_buffers", recurse)

    def buffers(self, recurse=True):
        return (b for _, b in self.named_buffers(recurse))

    def apply(self, fn):
        """Call ``fn(module)`` on every descendant and then on this module (e.g. a custom init)."""
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    # ---- modes and gradients ---------------------------------------------------
    def train(self, mode=True):
        """Training mode (the default) or, with ``mode=False``, evaluation mode, for the whole tree."""
        for module in self.modules():
            module.training = bool(mode)
        return self

    def eval(self):
        return self.train(False)

    def requires_grad_(self, requires_grad=True):
        """Freeze (False) or unfreeze every parameter, e.g. a GAN's discriminator during the generator step."""
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none=True):
        """Forget every parameter's gradient (set it to None, as PyTorch does by default; or to zeros)."""
        for p in self.parameters():
            p.zero_grad(set_to_none)

    # ---- devices and dtypes ----------------------------------------------------
    def to(self, *args, device=None, dtype=None, non_blocking=False):
        """Move parameters and buffers to ``device`` and/or cast floating ones to ``dtype``, in place.

        Accepts ``to('gpu')``, ``to(tinygen.float64)``, ``to('gpu', dtype)`` and ``to(tensor)``
        (its device and dtype). Integer buffers (such as a step counter) keep their dtype, as in
        PyTorch; ``non_blocking`` is accepted and ignored.
        """
        device, dtype = to_arguments(args, device, dtype)
        device = None if device is None else backend.normalize_device(device)

        def convert(array):
            if device is not None:
                array = backend.to_device(array, device)
            if dtype is not None and array.dtype.kind == "f":
                array = array.astype(dtype, copy=False)
            return array

        for tensor in list(self.parameters()) + list(self.buffers()):
            tensor.data = convert(tensor.data)
            if tensor.grad is not None:
                tensor.grad = Tensor(convert(tensor.grad.data))
        return self

    def cpu(self):
        return self.to(backend.CPU)

    def gpu(self):
        return self.to(backend.GPU)

    def float(self):
        return self.to(dtype=numpy.float32)

    def double(self):
        return self.to(dtype=numpy.float64)

    # ---- checkpoints -----------------------------------------------------------
    def _state_tensors(self):
        """Every parameter and buffer by dotted name (the live tensors, not copies)."""
        state = OrderedDict()
        for module_name, module in self.named_modules():
            for registry in (module._parameters, module._buffers):
                for name, value in registry.items():
                    if value is not None:
                        state[f"{module_name}.{name}" if module_name else name] = value
        return state

    def state_dict(self):
        """An ordered dict of dotted name -> detached tensor (sharing memory) for parameters and buffers."""
        return OrderedDict((name, value.detach()) for name, value in self._state_tensors().items())

    def load_state_dict(self, state_dict, strict=True):
        """Copy the values of ``state_dict`` into this module's parameters and buffers.

        The tensors keep their identity, device and dtype; only their numbers
        change. Nothing is copied unless everything fits: a key the module lacks
        or a key the dict lacks is an error when ``strict``, and a shape that
        differs always is. Returns the (missing_keys, unexpected_keys) found.
        """
        own = self._state_tensors()
        missing = [name for name in own if name not in state_dict]
        unexpected = [name for name in state_dict if name not in own]
        mismatched = [
            f"size mismatch for {name}: copying a value of shape {tuple(_array(value).shape)} from the "
            f"checkpoint, the shape in the current model is {own[name].shape}"
            for name, value in state_dict.items()
            if name in own and tuple(_array(value).shape) != own[name].shape
        ]
        problems = list(mismatched)
        if strict and unexpected:
            problems.insert(0, "Unexpected key(s) in state_dict: " + ", ".join(map(repr, unexpected)))
        if strict and missing:
            problems.insert(0, "Missing key(s) in state_dict: " + ", ".join(map(repr, missing)))
        if problems:
            raise RuntimeError(f"Error(s) in loading state_dict for {type(self).__name__}:\n\t" + "\n\t".join(problems))
        for name, target in own.items():
            if name in state_dict:
                with no_grad():  # writing into the existing tensor keeps it, its device and its dtype
                    target.copy_(_array(state_dict[name]))
        return IncompatibleKeys(missing, unexpected)

    # ---- printing --------------------------------------------------------------
    def extra_repr(self):
        """The layer's settings, shown inside its parentheses; subclasses override it."""
        return ""

    def __repr__(self):
        lines = [line for line in self.extra_repr().split("\n") if line]
        lines += [f"({name}): {_indent(repr(module))}" for name, module in self._modules.items()]
        if not self._modules:
            return f"{type(self).__name__}({', '.join(lines)})"
        return f"{type(self).__name__}(\n  " + "\n  ".join(lines) + "\n)"


def _array(value):
    """A checkpoint entry (Tensor, NumPy/CuPy array or nested list) as an array."""
    if isinstance(value, Tensor):
        return value.data
    return value if hasattr(value, "shape") else numpy.asarray(value)


def _indent(text):
    return text.replace("\n", "\n  ")


class _ModuleSequence(Module):
    """What Sequential and ModuleList share: children named '0', '1', ..., indexed like a list."""

    def __getitem__(self, index):
        items = list(self._modules.items())
        return self._from_items(items[index]) if isinstance(index, slice) else items[index][1]

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def append(self, module):
        self.add_module(str(len(self)), module)
        return self


class Sequential(_ModuleSequence):
    """Modules applied one after another: ``Sequential(Linear(2, 8), ReLU(), Linear(8, 1))``.

    The children are named '0', '1', ... (or as in a given OrderedDict), so the
    state_dict keys read ``'0.weight'``, ``'2.bias'``, as in PyTorch.
    """

    def __init__(self, *modules):
        super().__init__()
        if len(modules) == 1 and isinstance(modules[0], OrderedDict):
            for name, module in modules[0].items():
                self.add_module(name, module)
        else:
            for module in modules:
                self.append(module)

    @staticmethod
    def _from_items(items):
        return Sequential(OrderedDict(items))  # a slice keeps the children's names

    def forward(self, x):
        for module in self:
            x = module(x)
        return x


class ModuleList(_ModuleSequence):
    """A list of modules whose parameters are registered (a plain Python list would hide them)."""

    def __init__(self, modules=()):
        super().__init__()
        self.extend(modules)

    @staticmethod
    def _from_items(items):
        return ModuleList(module for _, module in items)

    def __setitem__(self, index, module):
        if not isinstance(module, Module):
            raise TypeError(f"ModuleList holds Modules, not {type(module).__name__}")
        name = list(self._modules)[index]  # a negative or out-of-range index behaves as for lists
        self._modules[name] = module

    def extend(self, modules):
        for module in modules:
            self.append(module)
        return self
