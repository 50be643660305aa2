-- pgbench's second side of (3c): the whole purchase postgres-conditional runs per request
-- (target/store/postgres/pg_purchase.cpp, kConditionalPurchase): the conditional decrement and
-- the order insert in one autocommit statement, so pgbench and the target do the same database
-- work and differ only in the HTTP server, JSON and idempotency table in front of it. A random
-- key stands in for the Idempotency-Key (10^18 of them: a repeat in one run is as good as
-- impossible, and would show up as a failed transaction).
\set quantity 1
\set key random(1, 1000000000000000000)
WITH bought AS (UPDATE products SET stock = stock - :quantity WHERE id = :product_id AND stock >= :quantity RETURNING stock), recorded AS (INSERT INTO orders (product_id, idempotency_key, endpoint, user_id) SELECT :product_id, 'pgbench-' || :key, 'safe', 'u-pgbench' FROM bought RETURNING order_id) SELECT (SELECT stock FROM bought), (SELECT order_id FROM recorded), (SELECT stock FROM products WHERE id = :product_id);
