-- pgbench's side of (3c): postgres-conditional's UPDATE (target/store/postgres/pg_purchase.cpp,
-- conditional_once) on its own, one autocommit statement per transaction, on the target's product
-- row. bench/run passes -D product_id=1; the quantity is 1 as in every bench checkout.
\set quantity 1
UPDATE products SET stock = stock - :quantity WHERE id = :product_id AND stock >= :quantity RETURNING stock;
