"""The patches to Rasa and Sanic (runtime/patches/): each does what it says, and only on its release.

The request timer of runtime/patches/http_limits.py is tested end to end against the real server
in tests/hostile/test_defects.py (a slowly trickled request is cut off at the request timeout).
"""
from __future__ import annotations

import jsonschema
import pytest
import rasa
import sanic
from rasa.core.actions.action import RemoteAction

from runtime.patches import action_response, event_types, graph_runner, http_limits, kept_sessions, recent_turns
from runtime.patches.version_guard import UnpatchedVersion, patch_of, require_version

VALID = {"events": [{"event": "slot", "name": "x", "value": 1}], "responses": [{"text": "hi"}]}
INVALID = {"events": [{"no event key": True}], "responses": "not a list"}


def test_each_patch_names_the_release_that_is_installed() -> None:
    assert action_response.PATCHED_RASA_VERSION == rasa.__version__
    assert recent_turns.PATCHED_RASA_VERSION == rasa.__version__
    assert graph_runner.PATCHED_RASA_VERSION == rasa.__version__
    assert event_types.PATCHED_RASA_VERSION == rasa.__version__
    assert kept_sessions.PATCHED_RASA_VERSION == rasa.__version__
    assert http_limits.PATCHED_SANIC_VERSION == sanic.__version__


def test_a_patch_refuses_another_release() -> None:
    with pytest.raises(UnpatchedVersion, match="patches Rasa 3.6.21, found 3.7.0"):
        require_version("Rasa", "3.7.0", "3.6.21", "action_response.py")


def test_a_patch_is_applied_once_and_never_on_another_release() -> None:
    applied = []

    @patch_of("Rasa", rasa.__version__, __file__)
    def install() -> None:
        """Count the applications."""
        applied.append(True)

    install()
    install()
    assert applied == [True] and install.installed and install.__doc__ == "Count the applications."

    @patch_of("Rasa", "3.7.0", __file__)
    def install_elsewhere() -> None:
        applied.append(False)

    with pytest.raises(UnpatchedVersion, match="test_runtime_patches.py patches Rasa 3.7.0"):
        install_elsewhere()
    assert applied == [True] and not install_elsewhere.installed


def test_the_action_response_check_accepts_and_refuses_what_rasas_own_did() -> None:
    original = RemoteAction._validate_action_result
    action = RemoteAction("action_answer_faq", None)
    assert original(action, VALID)
    with pytest.raises(jsonschema.ValidationError) as rasa_error:
        original(action, INVALID)
    action_response.install()
    assert RemoteAction._validate_action_result(action, VALID)
    with pytest.raises(jsonschema.ValidationError) as patched_error:
        RemoteAction._validate_action_result(action, INVALID)
    assert patched_error.value.message.split(".")[0] == rasa_error.value.message.split(".")[0]


def test_the_http_limits_are_set_for_apps_made_after_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SANIC_REQUEST_TIMEOUT", raising=False)
    http_limits.install()
    app = sanic.Sanic("limits_test")
    assert app.config.REQUEST_TIMEOUT == http_limits.REQUEST_TIMEOUT_SECONDS
    assert app.config.REQUEST_MAX_SIZE == http_limits.REQUEST_MAX_BYTES


def test_an_event_name_resolves_to_the_class_rasas_walk_finds() -> None:
    from rasa.shared.core.events import ActionExecuted, Event, SlotSet, UserUttered, deserialise_events
    from rasa.shared.utils.common import all_subclasses

    event_types.install()
    names = {cls.type_name for cls in all_subclasses(Event)}
    assert {"user", "action", "slot", "session_started", "bot"} <= names
    for _ in range(2):  # the first lookup walks, the second is remembered
        for name in names:
            assert Event.resolve_by_type(name) is event_types.rasa_resolve_by_type(name)
    assert Event.resolve_by_type("topic") is None  # Rasa's answer for the old TopicSet events
    assert Event.resolve_by_type("no such event", UserUttered) is UserUttered
    with pytest.raises(ValueError, match="Unknown event name 'no such event'"):
        Event.resolve_by_type("no such event")
    events = [UserUttered("hi", {"name": "greet", "confidence": 0.9}), ActionExecuted("action_listen"), SlotSet("language", "es")]
    assert deserialise_events([event.as_dict() for event in events]) == events
