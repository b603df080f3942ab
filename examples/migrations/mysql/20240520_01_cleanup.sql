-- Release 2.6: clean-up. Drops, data deletion and what the gate cannot see into.

-- expect: unsafe ban-drop-table
DROP TABLE IF EXISTS sessions_v1;

-- expect: unsafe ban-drop-view
DROP VIEW v_legacy_report;

-- expect: unsafe ban-drop-index
DROP INDEX idx_orders_created_at ON orders;

-- expect: unsafe ban-drop-trigger
DROP TRIGGER orders_touch;

-- expect: unsafe ban-drop-database
DROP DATABASE analytics_old;

-- expect: unsafe truncating-table
TRUNCATE TABLE audit_events;

-- expect: unsafe destructive-dml
DELETE FROM orders WHERE created_at < '2017-01-01';

-- expect: unsafe destructive-dml
UPDATE customers SET email_address = LOWER(email_address);

-- expect: unsafe destructive-dml
REPLACE INTO settings (name, value) VALUES ('checkout', 'v2');

-- expect: unsafe opaque-code
CALL archive_old_orders(2017);

-- expect: unsafe opaque-code
/*!50503 ALTER TABLE orders CONVERT TO CHARACTER SET utf8mb4 */;

-- expect: unsafe unclassified-statement
LOCK TABLES orders WRITE;

-- expect: unsafe unparsed
ALTER TABLE orders ADD COLUMN;
