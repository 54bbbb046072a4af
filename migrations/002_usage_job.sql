-- A delegated stage's row names the job platform's job, so `cost --by job` can list what each job cost.
ALTER TABLE usage ADD COLUMN job_id text;
CREATE INDEX usage_job_idx ON usage (job_id) WHERE job_id IS NOT NULL;
