"""`weir.state(initial)`: a value cells share through a getter and a setter.

Calling the setter re-runs the cells that read the getter's global name
(not the cell that called it, unless `allow_self_loops=True`), as marimo's
`mo.state`.  The setter only records the call; the worker reports it at the
end of the cell (or of the element update) that made it, as the names
bound to the getter, and the kernel schedules their readers
(docs/protocol.md, "Element values and state").
"""

from __future__ import annotations

import threading

_lock = threading.Lock()
# Setter calls not yet reported: [(state, calling cell or None)].
_PENDING = []


class State:
    def __init__(self, value, allow_self_loops=False):
        self.value = value
        self.allow_self_loops = bool(allow_self_loops)
        self.getter = _Getter(self)
        self.setter = _Setter(self)


class _Getter:
    __slots__ = ("_state",)

    def __init__(self, state):
        self._state = state

    def __call__(self):
        return self._state.value

    def __repr__(self):
        return "<weir.state getter: %r>" % (self._state.value,)


class _Setter:
    __slots__ = ("_state",)

    def __init__(self, state):
        self._state = state

    def __call__(self, update):
        """Set the value; a callable is applied to the current value."""
        state = self._state
        state.value = update(state.value) if callable(update) else update
        try:
            from ._capture import origin_cell

            cell = origin_cell()
        except Exception:  # pragma: no cover
            cell = None
        with _lock:
            _PENDING.append((state, cell))

    def __repr__(self):
        return "<weir.state setter>"


def state(value, allow_self_loops=False):
    """`get, set = weir.state(0)`: `get()` reads the value; `set(v)` (or
    `set(lambda old: new)`) changes it and re-runs the cells that read `get`."""
    s = State(value, allow_self_loops)
    return s.getter, s.setter


def take_updates(namespace):
    """The setter calls since last asked, as the global names bound to each
    state's getter: `[{"names": [...], "cell_id": ..., "allow_self_loops": b}]`.
    A state whose getter no global name holds re-runs nothing."""
    with _lock:
        if not _PENDING:
            return []
        pending = list(_PENDING)
        del _PENDING[:]
    updates = []
    seen = set()
    getters = {}
    for state, cell in pending:
        key = (id(state), cell)
        if key in seen:
            continue
        seen.add(key)
        getters[id(state.getter)] = []
    for name, value in list(namespace.items()):
        names = getters.get(id(value))
        if names is not None and isinstance(value, _Getter):
            names.append(name)
    seen = set()
    for state, cell in pending:
        key = (id(state), cell)
        if key in seen:
            continue
        seen.add(key)
        names = sorted(getters[id(state.getter)])
        if names:
            updates.append(
                {"names": names, "cell_id": cell, "allow_self_loops": state.allow_self_loops}
            )
    return updates
