"""Settings, read from the environment (prefix ``GRAPH_API_``). Nothing is built at import."""

from __future__ import annotations

import hashlib
import ipaddress
from enum import StrEnum
from pathlib import Path
from typing import Literal
from urllib.parse import urlparse

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from graph_api.errors import ConfigError

__all__ = ["Role", "Settings", "hash_api_key", "load_settings"]


class Role(StrEnum):
    """What a caller may do. Each role can do what the ones before it can."""

    READER = "reader"  # frontends: no personal data
    ANALYST = "analyst"  # analytics, exports, no personal data
    MARKETER = "marketer"  # analytics and personal data (to reach customers)
    ADMIN = "admin"  # everything: mutations, erasure, refresh

    @property
    def sees_pii(self) -> bool:
        return self in (Role.MARKETER, Role.ADMIN)

    @property
    def rank(self) -> int:
        return list(Role).index(self)

    def at_least(self, other: Role) -> bool:
        return self.rank >= other.rank


def hash_api_key(key: str) -> str:
    """The form in which API keys are configured: hex SHA-256 of the key."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


_NEO4J_SCHEMES = {"neo4j", "neo4j+s", "neo4j+ssc", "bolt", "bolt+s", "bolt+ssc"}


class Settings(BaseSettings):
    """Every setting of the service; see the README table for each one's meaning."""

    model_config = SettingsConfigDict(env_prefix="GRAPH_API_", extra="forbid")

    store: Literal["sqlite", "neo4j"] = "sqlite"
    sqlite_path: str = "data/graph.db"
    neo4j_uri: str | None = None
    neo4j_user: str = "neo4j"
    neo4j_password: SecretStr | None = None
    neo4j_database: str | None = None

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    debug: bool = False
    introspection: bool = True
    graphiql: bool = True

    api_keys: dict[str, Role] = Field(default_factory=dict)
    """sha256-hex of an API key → role (``graph-api hash-key`` prints the hash)."""

    max_depth: int = Field(default=12, ge=1)
    max_aliases: int = Field(default=30, ge=1)
    max_tokens: int = Field(default=5_000, ge=10)
    max_page_size: int = Field(default=100, ge=1)
    default_page_size: int = Field(default=20, ge=1)
    max_cost: int = Field(default=50_000, ge=1)

    auto_refresh: bool = True
    """Refresh analytics in the background after data changes (loads, mutations)."""
    log_level: str = "info"

    @field_validator("api_keys")
    @classmethod
    def _hashes_only(cls, value: dict[str, Role]) -> dict[str, Role]:
        for digest in value:
            if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest.lower()):
                raise ValueError(
                    "keys of GRAPH_API_API_KEYS must be SHA-256 hex digests of the API keys "
                    "(run `graph-api hash-key YOUR_KEY`), never the keys themselves"
                )
        return {d.lower(): r for d, r in value.items()}

    @field_validator("neo4j_uri")
    @classmethod
    def _neo4j_uri(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        parsed = urlparse(value)
        if parsed.scheme not in _NEO4J_SCHEMES or not parsed.hostname:
            raise ValueError(
                f"{value!r} is not a Neo4j URI; expected e.g. neo4j://localhost:7687 "
                f"(schemes: {', '.join(sorted(_NEO4J_SCHEMES))})"
            )
        return value

    @property
    def is_local_bind(self) -> bool:
        if self.host == "localhost":
            return True
        try:
            return ipaddress.ip_address(self.host).is_loopback
        except ValueError:
            return False

    def check(self) -> None:
        """Checks across settings that a start-up must refuse; raises ConfigError."""
        if self.store == "neo4j" and not self.neo4j_uri:
            raise ConfigError(
                "GRAPH_API_STORE=neo4j needs GRAPH_API_NEO4J_URI (e.g. neo4j://localhost:7687)"
            )
        if not self.api_keys and not self.is_local_bind:
            raise ConfigError(
                f"refusing to serve on {self.host} without API keys: set GRAPH_API_API_KEYS "
                "(see `graph-api hash-key`) or bind to 127.0.0.1"
            )
        if self.default_page_size > self.max_page_size:
            raise ConfigError("GRAPH_API_DEFAULT_PAGE_SIZE must not exceed GRAPH_API_MAX_PAGE_SIZE")

    def sqlite_file(self) -> Path | None:
        return None if self.sqlite_path == ":memory:" else Path(self.sqlite_path)


def load_settings(**overrides: object) -> Settings:
    """Settings from the environment plus overrides, as one clear ConfigError when invalid."""
    try:
        settings = Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        name = "GRAPH_API_" + "_".join(str(p) for p in first["loc"]).upper()
        raise ConfigError(f"{name}: {first['msg']}") from exc
    settings.check()
    return settings
