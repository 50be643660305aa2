-- pgbench's second side of (3c): the whole transaction postgres-conditional runs per purchase
-- (pg_purchase.cpp: BEGIN, the conditional UPDATE, the order INSERT, COMMIT), with the same
-- statements, so pgbench and the target do the same database work and differ only in the HTTP
-- server, JSON and idempotency table in front of it. A random key stands in for the
-- Idempotency-Key; a repeat is absorbed by ON CONFLICT as in the target.
\set quantity 1
\set key random(1, 1000000000000)
BEGIN;
UPDATE products SET stock = stock - :quantity WHERE id = :product_id AND stock >= :quantity RETURNING stock;
INSERT INTO orders (product_id, idempotency_key, endpoint, user_id) VALUES (:product_id, 'pgbench-' || :key, 'safe', 'u-pgbench') ON CONFLICT DO NOTHING RETURNING order_id;
COMMIT;
