"""`import marimo` inside Weir: the import hook that gives cells Weir's
marimo compatibility module (`weir._mocompat`, loaded under the name
`marimo`) instead of the real marimo, whose UI elements, `stop` and output
machinery do not talk to Weir's kernel.  docs/marimo-api.md.

Installed by the worker at start-up and by script mode's `App.run()`;
`WEIR_MARIMO=real` (or `off`, `0`) leaves `import marimo` alone.  Only a
finder is installed here: nothing is imported until a cell imports marimo.
"""

from __future__ import annotations

import os
import sys

ENV = "WEIR_MARIMO"
_OFF = ("real", "off", "0", "false", "no")
DOC = "docs/marimo-api.md"


# "worker" or "script": where the layer was installed (`marimo.app_meta`).
MODE = None


def enabled() -> bool:
    return os.environ.get(ENV, "").strip().lower() not in _OFF


def _package_dir():
    return os.path.join(os.path.dirname(os.path.abspath(__file__)), "_mocompat")


class MarimoFinder:
    """Finds `marimo` and `marimo.<sub>` in `weir/_mocompat/`.  A marimo
    submodule the layer does not have is a clear ImportError (libraries
    probing `marimo._something` catch it), never the real one half-mixed
    with ours."""

    @classmethod
    def find_spec(cls, fullname, path=None, target=None):
        if fullname != "marimo" and not fullname.startswith("marimo."):
            return None
        from importlib.util import spec_from_file_location

        base = _package_dir()
        if fullname == "marimo":
            return spec_from_file_location(
                "marimo", os.path.join(base, "__init__.py"), submodule_search_locations=[base]
            )
        sub = fullname[len("marimo."):]
        if "." not in sub:
            where = os.path.join(base, sub + ".py")
            if not sub.startswith("_") and os.path.isfile(where):
                return spec_from_file_location(fullname, where)
        raise ModuleNotFoundError(
            "No module named %r: Weir's marimo compatibility layer has no such "
            "module (see %s; set %s=real to import the real marimo)" % (fullname, DOC, ENV),
            name=fullname,
        )


def install(mode: str) -> bool:
    """Put the finder first on `sys.meta_path` (once).  A real marimo
    already imported is left as it is."""
    global MODE
    MODE = mode
    if not enabled():
        return False
    if any(f is MarimoFinder for f in sys.meta_path):
        return True
    existing = sys.modules.get("marimo")
    if existing is not None and not getattr(existing, "__weir__", False):
        return False
    sys.meta_path.insert(0, MarimoFinder)
    return True
