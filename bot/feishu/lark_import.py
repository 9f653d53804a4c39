"""lark-oapi without the API services the bot does not call: `import lark_oapi` alone costs ~175 MiB (its package
imports all 62 services, every model and every event processor: 11,000 modules), which kept an idle server at
~250 MiB. Installed before lark-oapi is first imported (bot/feishu/__init__.py), this finder gives every
`lark_oapi.api.<service>` outside USED an empty stand-in: `Client` still builds (the stand-in services accept their
config), the event dispatcher still defines its typed registration methods (stand-in processor modules export the
names the real ones define), and any use of a stand-in service fails loudly naming this module. The services in
USED load unchanged; add one here before calling it."""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.util
import re
import sys
import types
from pathlib import Path

USED = frozenset({"im", "docx", "drive", "task"})  # client.im.v1, docx.v1, drive.v1, task.v2
_EVENT_NAMES = re.compile(r"\b(P[12][A-Z]\w*)\b")  # event models and processors a processor module defines


class _Absent:
    """A class of a service that is not loaded: constructible (lark-oapi builds every service), unusable."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        pass

    def __getattr__(self, name: str) -> object:
        raise AttributeError(
            f"{type(self).__module__}.{type(self).__name__}.{name}: lark-oapi service not loaded "
            "(add it to USED in bot/feishu/lark_import.py)"
        )


class _StandIn(types.ModuleType):
    def __getattr__(self, name: str) -> type:
        if name.startswith("__"):
            raise AttributeError(name)
        cls = type(name, (_Absent,), {"__module__": self.__name__})
        setattr(self, name, cls)
        return cls


class _StandInLoader(importlib.abc.Loader):
    def __init__(self, exported: list[str] | None) -> None:
        self.exported = exported

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        module = _StandIn(spec.name)
        module.__path__ = []  # a package: its submodules are stand-ins too
        if self.exported is not None:
            module.__all__ = self.exported  # `from … import *` binds these (as absent classes)
        return module

    def exec_module(self, module: types.ModuleType) -> None:
        pass


class _UnusedServices(importlib.abc.MetaPathFinder):
    def __init__(self, package_dir: Path) -> None:
        self.package_dir = package_dir

    def find_spec(self, fullname: str, path: object = None, target: object = None):
        parts = fullname.split(".")
        if len(parts) < 3 or parts[:2] != ["lark_oapi", "api"] or parts[2] in USED:
            return None
        exported = None
        if parts[-1] == "processor":  # star-imported by lark_oapi.event.dispatcher_handler
            source = self.package_dir.joinpath(*parts[1:]).with_suffix(".py")
            exported = sorted(set(_EVENT_NAMES.findall(source.read_text(encoding="utf-8")))) if source.exists() else []
        return importlib.machinery.ModuleSpec(fullname, _StandInLoader(exported), is_package=True)


def install() -> None:
    """Before lark-oapi's first import; a no-op once it is imported (whole) or when already installed."""
    if "lark_oapi" in sys.modules or any(isinstance(f, _UnusedServices) for f in sys.meta_path):
        return
    spec = importlib.util.find_spec("lark_oapi")
    if spec is None or not spec.submodule_search_locations:
        return
    sys.meta_path.insert(0, _UnusedServices(Path(next(iter(spec.submodule_search_locations)))))
