-- The shared benchmark's bulk data (../shared/bench, which uses this file instead of its own seed.sql
-- when the project has one), plus indexes for its two baselines.
--
-- Why: the baselines' statements were written before organizations and read every table by id alone
-- (`WHERE p.id = $1`, `pa.project_id = p.id`, …). This schema's keys and indexes lead with
-- organization_id, which serves the server's statements (row-level security adds the organization to
-- each) but not theirs: without these indexes they scan whole tables and their ratios mean nothing.
-- The indexes below give the baselines the same lookups the server's keys give it. They exist only in
-- the benchmark's database, and every server pays their upkeep alike in the create workload.
\set ON_ERROR_STOP on
\getenv bench_home BENCH_HOME
\if :{?bench_home}
\else
  \echo 'BENCH_HOME is not set: this file is run by ../shared/bench/seed.sh, which copies its seed.sql to $BENCH_HOME/harness'
  \quit
\endif
\set harness_seed :bench_home '/harness/seed.sql'
\i :harness_seed

CREATE INDEX bench_projects_id_idx ON projects (id);
CREATE INDEX bench_projects_number_idx ON projects (number);
CREATE INDEX bench_projects_created_at_id_idx ON projects (created_at, id);
CREATE INDEX bench_projects_status_id_idx ON projects (status, id);
CREATE INDEX bench_projects_is_template_status_idx ON projects (is_template, status);
CREATE INDEX bench_clients_id_idx ON clients (id);
CREATE INDEX bench_categories_id_idx ON categories (id);
CREATE INDEX bench_users_id_idx ON users (id);
CREATE INDEX bench_custom_fields_id_idx ON custom_fields (id);
CREATE INDEX bench_project_assignees_project_id_idx ON project_assignees (project_id, user_id);
CREATE INDEX bench_project_tags_project_id_idx ON project_tags (project_id, position);
CREATE INDEX bench_project_custom_values_project_id_idx ON project_custom_values (project_id);
CREATE INDEX bench_timers_project_id_idx ON timers (project_id, stopped_at);
CREATE INDEX bench_estimates_project_id_idx ON estimates (project_id);
CREATE INDEX bench_invoices_project_id_idx ON invoices (project_id);
