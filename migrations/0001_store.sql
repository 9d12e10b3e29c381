-- The store of contract section 12 in PostgreSQL. Applied once by `citesnap migrate`
-- (src/store-pg/migrate.ts), inside a transaction, under an advisory lock. Never edit
-- a migration that has shipped: add the next one.

-- The document records, each as written (json keeps the text and its key order, so
-- `show` prints what the data dir would), with the columns queries need beside it.
CREATE TABLE documents (
  doc_id text PRIMARY KEY,
  record json NOT NULL,
  processed_at timestamptz NOT NULL,
  written_at timestamptz NOT NULL DEFAULT now()
);

-- The reverse index (contract section 10): one row a (target, document), written in
-- the same statement as the record, so it never names too few documents or too many.
CREATE TABLE citing (
  target_key text NOT NULL,
  doc_id text NOT NULL,
  PRIMARY KEY (target_key, doc_id)
);
CREATE INDEX citing_by_document ON citing (doc_id);

-- Each cited target's schedule state, merged from the checks of every document citing
-- it (first check: the earliest; newest check's time, status and whether it changed).
-- Times are ms since the epoch, as the schedule (src/targets/recheck-schedule.ts) counts
-- them. widening_due_at is dueAt() of the widening schedule, so that the recheck planner
-- selects due targets from an index instead of reading every state; test/store-pg keeps
-- the two in step.
CREATE TABLE target_states (
  target_key text PRIMARY KEY,
  first_checked_at bigint,
  last_checked_at bigint,
  status text NOT NULL,
  changed_at_last_check boolean NOT NULL,
  widening_due_at bigint GENERATED ALWAYS AS (
    -- Each interval less its allowed earliness (an eighth, at most 12 h); a status that
    -- changed is confirmed a day later. Ages: 3, 14, 60 and 365 days; intervals 1, 3, 7,
    -- 30 and 90 days (in ms, bigint: 365 days overflow an integer).
    last_checked_at + CASE
      WHEN changed_at_last_check THEN 75600000::bigint -- 1 d - 3 h
      WHEN last_checked_at - first_checked_at < 259200000::bigint THEN 75600000::bigint -- 1 d - 3 h
      WHEN last_checked_at - first_checked_at < 1209600000::bigint THEN 226800000::bigint -- 3 d - 9 h
      WHEN last_checked_at - first_checked_at < 5184000000::bigint THEN 561600000::bigint -- 7 d - 12 h
      WHEN last_checked_at - first_checked_at < 31536000000::bigint THEN 2548800000::bigint -- 30 d - 12 h
      ELSE 7732800000::bigint -- 90 d - 12 h
    END
  ) STORED
);
CREATE INDEX target_states_widening_due ON target_states (widening_due_at);
CREATE INDEX target_states_last_checked ON target_states (last_checked_at);
CREATE INDEX target_states_status ON target_states (status);

-- The status-change log: one row a citation's change, keyed so that logging it twice is one row.
CREATE TABLE status_changes (
  doc_id text NOT NULL,
  citation_id text NOT NULL,
  at timestamptz NOT NULL,
  at_text text NOT NULL,
  url text NOT NULL,
  from_status text NOT NULL,
  to_status text NOT NULL,
  PRIMARY KEY (doc_id, citation_id, at)
);
CREATE INDEX status_changes_at ON status_changes (at);
CREATE INDEX status_changes_to_at ON status_changes (to_status, at);

-- The target index: each target's newest outcome (`link:`, `post:`, and the Wayback CDX
-- lookups under `cdx:`), which every process reuses within the refresh window.
CREATE TABLE targets (
  target_key text PRIMARY KEY,
  kind text NOT NULL,
  checked_at timestamptz NOT NULL,
  entry json NOT NULL
);

-- The journals of checks in progress (src/targets/check-journal.ts).
CREATE TABLE check_journals (
  journal_key text PRIMARY KEY,
  checked_at timestamptz NOT NULL,
  entry json NOT NULL
);

-- Claims on targets and document locks, as leases: a holder renews its rows while it
-- works, and a row whose lease ran out (its holder died) may be taken by another.
CREATE TABLE claims (
  claim_key text PRIMARY KEY,
  holder text NOT NULL,
  expires_at timestamptz NOT NULL
);
