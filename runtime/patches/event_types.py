"""An event's class found by its type name once, not by walking every Event subclass each time.

Rasa 3.6 turns every stored or received event dictionary into its Event class with
`Event.resolve_by_type`, which builds the list of all Event subclasses (recursively, each checked
with `inspect.isabstract`) on every call: for the events of each save, of each action server reply
and of each session read. py-spy of the Rasa server at 8 concurrent conversations (2 Dec 2026,
after runtime/patches/graph_runner.py and the store's single INSERT) put 57 of 1,866 busy samples,
3%, in that walk.

The class a name resolves to is remembered after the first lookup: the same class Rasa's walk
returns (every Event subclass is defined when rasa.shared.core.events is imported). A name that
resolves to no class still goes to Rasa's own lookup each time (the default, None for the old
"topic" event, or its ValueError), so nothing it decides is changed.
"""
from __future__ import annotations

from typing import Any, Dict, Optional, Text, Type

from runtime.patches.version_guard import patch_of

#: The Rasa release this patch was written and tested against (constraints.txt pins it).
PATCHED_RASA_VERSION = "3.6.21"

#: Rasa's own Event.resolve_by_type, kept by install() for comparison.
rasa_resolve_by_type = None


@patch_of("Rasa", PATCHED_RASA_VERSION, __file__)
def install() -> None:
    """Remember each event type name's class after Rasa's first lookup of it (once a process)."""
    global rasa_resolve_by_type
    from rasa.shared.core.events import Event

    walk_every_subclass = Event.resolve_by_type
    resolved: Dict[Text, Type[Event]] = {}

    def resolve_by_type(type_name: Text, default: Optional[Type[Event]] = None) -> Optional[Type[Event]]:
        found = resolved.get(type_name)
        if found is None:
            try:
                found = walk_every_subclass(type_name)
            except ValueError:  # no class of that name
                found = None
            if found is None:
                return walk_every_subclass(type_name, default)
            resolved[type_name] = found
        return found

    rasa_resolve_by_type = walk_every_subclass
    Event.resolve_by_type = staticmethod(resolve_by_type)
