"""The queue between a pipelined load's validation and its writer (``loaders.load._Channel``):
bounded in items, or in bytes for pickled batches; never waiting on a writer that failed."""

from __future__ import annotations

import asyncio

import pytest

from loaders.load import _Channel


async def test_pickled_batches_are_bounded_in_bytes() -> None:
    channel = _Channel(2, max_bytes=10)
    await channel.put(b"a" * 6)
    await channel.put(b"b" * 6)  # below the bound when put: taken (more than two items too)
    third = asyncio.create_task(channel.put(b"c" * 1))
    await asyncio.sleep(0.01)
    assert not third.done()  # 12 bytes held
    assert await channel.get() == b"a" * 6
    await asyncio.wait_for(third, 1)  # 6 bytes held: room again
    assert channel.held == 7
    assert [await channel.get(), await channel.get()] == [b"b" * 6, b"c"]
    assert channel.held == 0


async def test_batches_in_this_process_are_bounded_in_number() -> None:
    channel = _Channel(2)
    await channel.put(("nodes", 0, []))
    await channel.put(("nodes", 1, []))
    third = asyncio.create_task(channel.put(("nodes", 2, [])))
    await asyncio.sleep(0.01)
    assert not third.done()
    assert await channel.get() == ("nodes", 0, [])
    await asyncio.wait_for(third, 1)


async def test_a_full_queue_raises_the_failed_writers_error() -> None:
    channel = _Channel(1, max_bytes=4)

    async def writer() -> None:
        await asyncio.sleep(0.01)
        raise OSError("disk full")

    channel.writer = asyncio.create_task(writer())
    await channel.put(b"12345")
    with pytest.raises(OSError, match="disk full"):
        await asyncio.wait_for(channel.put(b"6"), 1)
