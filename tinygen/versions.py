"""Which memory was modified in place, and when: what makes in-place ops safe.

A Function keeps its inputs (and sometimes its outputs) for backward. If one of
them is modified in place before backward runs, the gradient is computed from
the new values and is silently wrong. PyTorch gives every tensor a version
counter; tinygen keeps the same count per block of memory, so that every
tensor that sees the same numbers (a view made by reshape or indexing, a
``detach()``-ed copy) sees the same version:

* ``clock`` counts every in-place modification made through tinygen (the
  in-place methods, ``x[i] = v``, the optimizers, ``nn.init``);
* ``mark_modified(array, op)`` moves the clock on and stamps the memory of
  ``array`` with it;
* a Function notes the clock when it records (one integer: nothing else is
  paid on the hot path), and the backward pass asks ``modified_since`` only
  when the clock has moved since then.

Writing into a raw array (``x.data -= 1``) goes around all of this: tinygen
cannot see it, and a backward that needs the old values then computes from the
new ones without a word. Modify tensors, not their ``.data``.
"""
import weakref

clock = 0
_stamps = {}  # id(memory owner) -> [version, clock at the last modification, name of the op that made it]


def memory_owner(array):
    """The array that owns ``array``'s memory: itself, or the array it is a view of."""
    while array.base is not None and hasattr(array.base, "base"):
        array = array.base
    return array


def mark_modified(array, op_name):
    """Record that ``op_name`` has just written into ``array``'s memory."""
    global clock
    clock += 1
    owner = memory_owner(array)
    stamp = _stamps.get(id(owner))
    if stamp is None:
        stamp = _stamps[id(owner)] = [0, 0, ""]
        try:
            weakref.finalize(owner, _stamps.pop, id(owner), None)  # forgotten with the memory, whose id may be reused
        except TypeError:  # an array type without weak references keeps its stamp: harmless, see modified_since
            pass
    stamp[0] += 1
    stamp[1:] = clock, op_name


def version(array):
    """How many times ``array``'s memory has been modified in place (PyTorch's ``x._version``)."""
    stamp = _stamps.get(id(memory_owner(array)))
    return 0 if stamp is None else stamp[0]


def modified_since(array, moment):
    """The name of the op that last modified ``array``'s memory after clock ``moment``, or None.

    A stamp left by freed memory whose id a new array reuses never answers here:
    the new array was made after that stamp, so whatever recorded it did too.
    """
    stamp = _stamps.get(id(memory_owner(array)))
    return stamp[2] if stamp is not None and stamp[1] > moment else None
