-- One learner's status on one topic of the largest roadmap and its history row, in one
-- transaction: the least a status change must write, without the checks. The raw ceiling of
-- benchmark (c) (`roadmap-bench learner` runs it with pgbench; on SQLite it sends the same
-- statements itself, see bench/src/learner/raw.rs).
\set u random(1, 1000)
\set t random(0, 300)
BEGIN;
INSERT INTO progress (user_id, topic_id, roadmap_id, status, updated_at)
VALUES (:base + :u, 'gen000-' || lpad(:t::text, 4, '0'), :roadmap, 'DONE', now())
ON CONFLICT (user_id, topic_id) DO UPDATE SET status = EXCLUDED.status, updated_at = EXCLUDED.updated_at;
INSERT INTO progress_events (user_id, roadmap_id, topic_id, from_status, to_status, created_at)
VALUES (:base + :u, :roadmap, 'gen000-' || lpad(:t::text, 4, '0'), 'PENDING', 'DONE', now());
COMMIT;
