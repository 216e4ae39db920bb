"""The registry: every block type the library can run, and the catalogue built from it."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from bms_schemas import SCHEMA_VERSION, Catalogue
from supervisor_engine.block import BlockType
from supervisor_engine.errors import UnknownBlockTypeError


class Registry:
    """A set of block types by name."""

    def __init__(self, blocks: Iterable[BlockType[Any]] = ()) -> None:
        self._blocks: dict[str, BlockType[Any]] = {}
        for block in blocks:
            self.register(block)

    def register(self, block: BlockType[Any]) -> None:
        """Add a block type; a name may be registered once."""
        if block.type in self._blocks:
            raise ValueError(f"block type {block.type!r} is already registered")
        self._blocks[block.type] = block

    def get(self, type_name: str) -> BlockType[Any]:
        """The block type of that name, or :class:`UnknownBlockTypeError`."""
        try:
            return self._blocks[type_name]
        except KeyError:
            raise UnknownBlockTypeError(type_name) from None

    def __contains__(self, type_name: object) -> bool:
        return type_name in self._blocks

    def __iter__(self) -> Iterator[BlockType[Any]]:
        return iter(sorted(self._blocks.values(), key=lambda b: (b.category, b.type)))

    def __len__(self) -> int:
        return len(self._blocks)

    def catalogue(self) -> Catalogue:
        """The whole catalogue, sorted by category and type, as the editor consumes it."""
        return Catalogue(schema_version=SCHEMA_VERSION, blocks=tuple(b.spec() for b in self))


def default_registry() -> Registry:
    """A registry holding every built-in block type."""
    from supervisor_engine.blocks import BUILTIN_BLOCKS

    return Registry(BUILTIN_BLOCKS)
