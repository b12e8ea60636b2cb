-- One copy of a message in one loaded file: X account archives of municipal accounts (only the owner's own posts).
-- Overlapping files give several copies of one message_id; intermediate models pick one per message.
{{ stg_social_messages('x_archive_messages') }}
