-- The files this build's increment brings: every file loaded after `increment_after` (in an incremental build all
-- of them social message exports; any other kind makes the build full). A file is loaded once, by its SHA-256, and
-- never leaves `raw._files` once a build has read it (only a load's own fatal check takes its files back out, before
-- any build): the rows of `dim_source_file` to add. Empty in a full build.
-- depends_on: {{ ref('stg_lineage__files') }}
{% if increment_after() is not none %}
    select files.source_sha256
    from {{ ref('stg_lineage__files') }} as files
    where files.loaded_at > '{{ increment_after() }}'::timestamptz
{% else %}
    select null::varchar as source_sha256
    where false
{% endif %}
