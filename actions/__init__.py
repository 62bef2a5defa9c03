"""Custom actions of the Bliss LDN assistant (loaded by the rasa_sdk action server); the answers they
send come from answer_book/.

Modules, one concern each:
- clinic_action: the base class every action here shares (answer lookup, never silent)
- faq, conversation: the actions themselves
- feedback: the reply to 👍 / 👎 under an answer
- clarify: the reply to nlu_fallback ("Did you mean...?", then the phone on a second miss)
"""
