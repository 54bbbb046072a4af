-- The store of DESIGN §8: what runs produced and what they cost. Temporal keeps orchestration state;
-- every row here is written by an activity with an idempotency key (workflow id + activity id +
-- attempt or similar), so a retried activity replaces its row instead of adding one.

CREATE TABLE artifacts (
  id           bigserial PRIMARY KEY,
  key          text        NOT NULL UNIQUE,
  task_id      text        NOT NULL,
  stage        text        NOT NULL,
  attempt      integer     NOT NULL,
  kind         text        NOT NULL,
  content_type text        NOT NULL,
  size         bigint      NOT NULL,
  content      bytea       NOT NULL,
  preview      text        NOT NULL,
  truncated    boolean     NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX artifacts_task_idx ON artifacts (task_id, created_at, id);

CREATE TABLE usage (
  id            bigserial PRIMARY KEY,
  key           text          NOT NULL UNIQUE,
  task_id       text          NOT NULL,
  stage         text          NOT NULL,
  attempt       integer       NOT NULL,
  provider      text          NOT NULL,
  account       text,
  model         text,
  input_tokens  bigint,
  output_tokens bigint,
  cost_usd      numeric(12,6) NOT NULL DEFAULT 0,
  at            timestamptz   NOT NULL DEFAULT now()
);
CREATE INDEX usage_task_idx ON usage (task_id);
CREATE INDEX usage_at_idx ON usage (at);

-- Provider accounts and their rate-limit cooldowns (used by account rotation).
CREATE TABLE accounts (
  provider       text        NOT NULL,
  name           text        NOT NULL,
  cooldown_until timestamptz,
  last_error     text,
  updated_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (provider, name)
);

-- Operator actions and notable transitions, for `switchyard logs`.
CREATE TABLE events (
  id      bigserial PRIMARY KEY,
  key     text        NOT NULL UNIQUE,
  task_id text        NOT NULL,
  kind    text        NOT NULL,
  actor   text,
  payload jsonb,
  at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX events_task_idx ON events (task_id, at, id);
