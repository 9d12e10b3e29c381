-- The decoded text of each archived article (the Store's `sources` facet), which its
-- record's occurrence offsets index into: what `citesnap serve` marks them in. Keyed by
-- the sha256 of the source's bytes, so one article archived under several doc ids, or
-- again unchanged, is kept once.
CREATE TABLE source_texts (
  sha256 text PRIMARY KEY,
  text text NOT NULL
);
