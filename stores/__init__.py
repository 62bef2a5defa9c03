"""Where the assistant keeps state: the tracker stores and the Redis lock store (loaded by module path
from the endpoints file, see runtime/endpoints.py), the SMS channel's own store, and the migration of
stored conversations to sender ids that carry their channel."""

#: The environment variable holding the PostgreSQL address that the tracker store and the SMS store share
#: (runtime/endpoints.py writes the endpoints from it, channels/twilio_sms.py opens the SMS store with it).
DATABASE_URL_VAR = "DATABASE_URL"
