"""Where the assistant keeps state: the tracker stores and the Redis lock store (loaded by module path
from the endpoints file, see runtime/endpoints.py), the SMS channel's own store, and the migration of
stored conversations to sender ids that carry their channel."""
