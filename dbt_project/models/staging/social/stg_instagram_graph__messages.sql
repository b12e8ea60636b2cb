-- One copy of a message in one loaded file: Instagram Graph media pages and comments pages (the account's media,
-- comments on it, replies to comments). Overlapping files give several copies of one message_id; intermediate
-- models pick one per message.
{{ stg_social_messages('instagram_graph_messages') }}
