"""The demo dataset: one consistent fictional company (see `world.py`) written into a landing folder.

Each module in this package that defines `generate(landing: Path, world: World, rng: random.Random)`
writes the landing files of one source. Modules are discovered, run in name order, and each gets its own
RNG seeded from its name, so adding a source never changes the data of another.
"""

from __future__ import annotations

import hashlib
import importlib
import pkgutil
import random
from pathlib import Path

from ingest.demo.world import World

_NOT_SOURCES = {"world"}


def generate_landing(landing: Path, *, world: World | None = None, seed: int = 7) -> list[str]:
    """Write every source's demo files under `landing`; returns the source module names generated."""
    world = world or World()
    landing.mkdir(parents=True, exist_ok=True)
    done = []
    for module_info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if module_info.name in _NOT_SOURCES or module_info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        generator = getattr(module, "generate", None)
        if generator is None:
            continue
        module_seed = int(hashlib.sha256(f"{seed}:{module_info.name}".encode()).hexdigest()[:12], 16)
        generator(landing, world, random.Random(module_seed))
        done.append(module_info.name)
    return done
