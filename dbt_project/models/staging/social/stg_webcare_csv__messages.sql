-- One copy of a message in one loaded file: webcare-tool exports (handles only, no user ids; `direction` set).
-- Overlapping files give several copies of one message_id; intermediate models pick one per message.
{{ stg_social_messages('webcare_csv_messages') }}
