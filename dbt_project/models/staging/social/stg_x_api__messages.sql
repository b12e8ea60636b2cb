-- One copy of a message in one loaded file: X API v2 pages (`data` and `includes.tweets`).
-- Overlapping files give several copies of one message_id; intermediate models pick one per message.
{{ stg_social_messages('x_api_messages') }}
