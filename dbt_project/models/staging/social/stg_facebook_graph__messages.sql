-- One copy of a message in one loaded file: Facebook Graph page feeds (posts, comments, replies to comments; no handles).
-- Overlapping files give several copies of one message_id; intermediate models pick one per message.
{{ stg_social_messages('facebook_graph_messages') }}
