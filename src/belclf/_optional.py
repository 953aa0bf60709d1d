"""Imports of optional dependencies, with the extra to install when one is missing."""
from __future__ import annotations

import importlib
from types import ModuleType


def require(module: str, extra: str, purpose: str) -> ModuleType:
    """Import ``module``, or raise ImportError saying that ``purpose`` needs ``belclf[extra]``."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise ImportError(f"{purpose} needs: pip install 'belclf[{extra}]' ({exc})") from exc
