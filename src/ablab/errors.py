"""Errors a user can fix. The CLI prints them without a traceback and exits with code 2."""


class AblabError(Exception):
    """Bad input or environment: the message names the thing at fault and how to fix it."""


def unknown_name(kind: str, name: str, known) -> AblabError:
    """Error for a registry miss, listing every known name so the user can pick one."""
    return AblabError(f"unknown {kind} {name!r}; known: {', '.join(sorted(known))}")
