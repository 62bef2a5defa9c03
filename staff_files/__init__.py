"""Reading the files clinic staff edit (the answers, the emergency phrases) while the assistant runs.

Plain Python: where a value sits in a YAML file (to point staff at it), and a file served live,
last good version kept when an edit is broken.
"""
