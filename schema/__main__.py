"""``python -m schema [PATH]``: write the SDL (default: schema/schema.graphql)."""

from __future__ import annotations

import sys
from pathlib import Path

from schema.build import SDL_PATH, sdl


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    target = Path(args[0]) if args else SDL_PATH
    target.write_text(sdl(), encoding="utf-8")
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
