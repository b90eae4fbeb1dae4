"""The exported SDL is the contract for frontends: it must match the code."""

from __future__ import annotations

from schema.build import SDL_PATH, sdl


def test_exported_sdl_is_up_to_date() -> None:
    current = sdl()
    stored = SDL_PATH.read_text(encoding="utf-8") if SDL_PATH.exists() else ""
    assert stored == current, (
        f"{SDL_PATH} is out of date with the schema code; regenerate it with "
        "`.venv/bin/python -m schema` and commit the result"
    )


def test_schema_has_relay_shapes() -> None:
    text = sdl()
    assert "interface Node {\n  id: ID!\n}" in text
    for needle in (
        "hasNextPage: Boolean!",
        "hasPreviousPage: Boolean!",
        "startCursor: String",
        "endCursor: String",
        "totalCount: Int!",
    ):
        assert needle in text
