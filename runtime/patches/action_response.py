"""Check the action server's responses with a schema validator compiled once, not on every call.

Rasa 3.6's RemoteAction._validate_action_result calls jsonschema.validate(), which first
validates the response *schema* against the JSON-Schema meta-schema, on every custom action
call. py-spy on the Rasa server under load (8-32 concurrent conversations) showed this at 45%
of the server's busy CPU time. The response itself is still validated, with the same schema,
the same validator class and the same error (jsonschema.ValidationError plus Rasa's hint).
"""
from __future__ import annotations

from typing import Any, Dict

from runtime.patches.version_guard import patch_of

#: The Rasa release this patch was written and tested against (constraints.txt pins it).
PATCHED_RASA_VERSION = "3.6.21"



@patch_of("Rasa", PATCHED_RASA_VERSION, __file__)
def install() -> None:
    """Replace RemoteAction._validate_action_result in this process (once a process)."""

    from jsonschema import exceptions, validators
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.constants import DOCS_BASE_URL

    schema = RemoteAction.action_response_format_spec()
    validator_class = validators.validator_for(schema)
    validator_class.check_schema(schema)  # once, at start-up
    validator = validator_class(schema)

    def validate_action_result(self: RemoteAction, result: Dict[str, Any]) -> bool:
        error = exceptions.best_match(validator.iter_errors(result))
        if error is not None:
            error.message += (
                ". Failed to validate Action server response from API, make sure your response from "
                f"the Action endpoint is valid. For more information about the format visit {DOCS_BASE_URL}/custom-actions"
            )
            raise error
        return True

    RemoteAction._validate_action_result = validate_action_result
