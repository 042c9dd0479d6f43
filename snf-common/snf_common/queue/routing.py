"""AMQP topic matching: `*` stands for one word, `#` for zero or more."""

from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=1024)
def _split(text: str) -> tuple[str, ...]:
    return tuple(text.split(".")) if text else ()


def topic_matches(pattern: str, routing_key: str) -> bool:
    return _match(_split(pattern), _split(routing_key))


def _match(pattern: tuple[str, ...], words: tuple[str, ...]) -> bool:
    if not pattern:
        return not words
    head, rest = pattern[0], pattern[1:]
    if head == "#":
        return any(_match(rest, words[i:]) for i in range(len(words) + 1))
    if not words:
        return False
    return (head == "*" or head == words[0]) and _match(rest, words[1:])
