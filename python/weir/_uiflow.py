"""The worker's side of element values and `weir.state` (docs/protocol.md,
"Element values and state").

After a cell runs, its `done` says which global names the cell's code
stores hold an element (`ui`: name -> element id) and which state setters
it called (`state`).  `set_ui_value` applies a value the page sent to a
live element, validating it first.  Only imported once a notebook used
`weir.ui` or `weir.state`: other notebooks pay nothing.
"""

from __future__ import annotations

import sys

# Elements to reset when the next run ends (a run_button's click is True
# for the run it causes only).
_RESET = []


def after_run():
    """A batch ended: reset what a click armed."""
    while _RESET:
        _RESET.pop()._reset()


def after_cell(worker, done, compiled):
    core = sys.modules.get("weir.ui._core")
    if core is not None and compiled is not None:
        namespace = worker.namespace
        element = core.UIElement
        bindings = {}
        # Global stores are in the module code's names (with the loads,
        # which the runtime filters against the cell's definitions).
        for name in compiled.body.co_names:
            value = namespace.get(name)
            if isinstance(value, element):
                bindings[name] = value._id
        if bindings:
            done["ui"] = bindings
    updates = _state_updates(worker)
    if updates:
        done["state"] = updates


def _state_updates(worker):
    state = sys.modules.get("weir._state")
    if state is None:
        return []
    return state.take_updates(worker.namespace)


def set_ui_value(worker, message):
    element_id = str(message.get("element_id"))
    reply = {"type": "ui_value_set", "element_id": element_id, "accepted": False, "error": None}
    core = sys.modules.get("weir.ui._core")
    element = core.REGISTRY.get(element_id) if core is not None else None
    if element is None:
        reply["error"] = (
            "no element %s: the cell that made it ran again or was deleted "
            "(elements are made afresh on each run)" % element_id
        )
    else:
        try:
            element._update(message.get("value"))
            reply["accepted"] = True
            if getattr(element, "_reset_after_run", False):
                _RESET.append(element)
        except ValueError as exc:
            reply["error"] = str(exc)
        except Exception as exc:
            # on_change raised: the value is set, the callback's error shown.
            reply["accepted"] = True
            reply["error"] = "%s: on_change raised %s: %s" % (
                element._kind, type(exc).__name__, exc)
        if reply["accepted"]:
            reply["value"] = element._shown_value()
    updates = _state_updates(worker)
    if updates:
        reply["state"] = updates
    worker.send(reply)
