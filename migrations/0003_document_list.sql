-- The list of documents (`citesnap serve`'s `/`, the Store's documents.listNewestFirst):
-- a page of documents newest first, each with its title, source, time and citations
-- counted by status, from columns instead of every record's json.

-- The citations of a record counted by status, as a json object whose keys come in the
-- order each status first appears (src/record/citation-stats.ts countStatuses). Immutable,
-- so generated columns may use it; a stored value is not recomputed if it is redefined:
-- change it in a new migration that also rewrites the column.
CREATE FUNCTION citesnap_status_counts(citations json) RETURNS json
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT coalesce(json_object_agg(status, n ORDER BY first_at), '{}'::json)
  FROM (
    SELECT citation->>'status' AS status, count(*) AS n, min(at) AS first_at
    -- A record edited by hand into something else counts nothing rather than failing its write.
    FROM json_array_elements(CASE WHEN json_typeof(citations) = 'array' THEN citations ELSE '[]' END)
      WITH ORDINALITY AS citation_at (citation, at)
    WHERE citation ->> 'status' IS NOT NULL
    GROUP BY 1
  ) AS by_status
$$;

-- Generated from the record, so every writer keeps them right (a process of an older
-- version too) and existing rows get them as the table is rewritten here (under an
-- exclusive lock: a large archive waits for this once).
ALTER TABLE documents
  ADD COLUMN title text GENERATED ALWAYS AS (record -> 'source' ->> 'title') STORED,
  ADD COLUMN source_uri text GENERATED ALWAYS AS (record -> 'source' ->> 'uri') STORED,
  ADD COLUMN processed_at_text text GENERATED ALWAYS AS (record ->> 'processedAt') STORED,
  ADD COLUMN status_counts json GENERATED ALWAYS AS (citesnap_status_counts(record -> 'citations')) STORED;

-- Newest first, then doc id in name order (code points, as the data dir sorts): a page
-- is read off the front of this index.
CREATE INDEX documents_newest_first ON documents (processed_at DESC, doc_id COLLATE "C");
