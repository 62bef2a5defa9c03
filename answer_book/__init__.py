"""The staff-editable answers: the model, how each channel shows them, the file's rules, the live store.

Plain Python (no Rasa, no rasa_sdk), imported by the actions and by the channels. Layered, no
module imports one above it: model (the answers) <- sms_text, rendering <- schema (the rules and
parsing of answers/answers.yml) <- store (the last good answers, live). Beside them, for
`make check-answers` only: article_words <- fidelity (is a sentence in the clinic's article?)
<- clinical_review (which sentences of the answers file need clinical review, by line).
"""
