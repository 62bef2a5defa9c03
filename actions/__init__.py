"""Custom actions of the Bliss LDN assistant (loaded by the rasa_sdk action server).

Modules, one concern each:
- answer_book: read, validate and live-reload the staff-editable answers (plain Python)
- answer_schema: the rules of the answers file, with line, column and what to change (plain Python)
- yaml_source: where a value sits in a YAML file, for those messages (plain Python)
- rendering: turn answers and messages into chat messages for the web or SMS (plain Python)
- clinic_action: the base class every action here shares (answer lookup, never silent)
- faq, conversation: the actions themselves
"""
