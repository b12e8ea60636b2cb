-- One copy of a message in one loaded file: Bluesky author feeds, threads and notifications.
-- A post arrives through several bodies (feed, thread, notification): intermediate models pick one per message.
{{ stg_social_messages('bluesky_messages') }}
