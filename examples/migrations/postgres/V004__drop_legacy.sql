-- Release 2.6: clean-up. Drops, data deletion and what the gate cannot see into.

-- expect: unsafe ban-drop-table
DROP TABLE IF EXISTS sessions_v1;

-- expect: unsafe ban-drop-view
DROP VIEW legacy_report;

-- expect: unsafe ban-drop-index
DROP INDEX CONCURRENTLY accounts_nickname_idx;

-- expect: unsafe ban-drop-sequence
DROP SEQUENCE invoice_number_seq;

-- expect: unsafe ban-drop-type
DROP TYPE legacy_status;

-- expect: unsafe ban-drop-domain
DROP DOMAIN us_postal_code;

-- expect: unsafe ban-drop-function
DROP FUNCTION compute_tax(numeric);

-- expect: unsafe ban-drop-trigger
DROP TRIGGER accounts_touch ON accounts;

-- expect: unsafe ban-drop-extension
DROP EXTENSION IF EXISTS hstore;

-- expect: unsafe ban-drop-schema
DROP SCHEMA staging CASCADE;

-- expect: unsafe ban-drop-object
DROP POLICY tenant_isolation ON orders;

-- expect: unsafe ban-drop-database
DROP DATABASE analytics_old;

-- expect: unsafe truncating-table
TRUNCATE audit_events;

-- expect: unsafe ban-truncate-cascade
TRUNCATE accounts CASCADE;

-- expect: unsafe destructive-dml
DELETE FROM orders WHERE created_at < now() - interval '7 years';

-- expect: unsafe destructive-dml
UPDATE accounts SET email_address = lower(email_address);

-- expect: unsafe opaque-code
DO $$ BEGIN EXECUTE 'ALTER TABLE ' || quote_ident('orders') || ' DROP COLUMN notes'; END $$;

-- expect: unsafe opaque-code
SELECT setval('orders_id_seq', (SELECT max(id) FROM orders));

-- expect: unsafe unclassified-statement
ALTER SYSTEM SET work_mem = '64MB';

-- expect: unsafe unparsed
ALTER TABLE orders ADD COLUMN;
