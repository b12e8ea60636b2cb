-- One copy of a message in one loaded Mastodon account archive: the owner's own posts and boosts. A post also
-- harvested through the API has the same message_id (the status uri): intermediate models pick one copy.
{{ stg_social_messages('mastodon_archive_messages') }}
