-- One learner's status on one topic of the largest roadmap, as setTopicStatus writes it (without
-- the history row and the checks): the raw ceiling for benchmark (c).
\set u random(1, 1000)
\set t random(0, 300)
INSERT INTO progress (user_id, topic_id, roadmap_id, status, updated_at)
VALUES (:base + :u, 'gen000-' || lpad(:t::text, 4, '0'), :roadmap, 'DONE', now())
ON CONFLICT (user_id, topic_id) DO UPDATE SET status = EXCLUDED.status, updated_at = EXCLUDED.updated_at;
