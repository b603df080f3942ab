-- Release 2.5: contract step. The running 2.4 still reads these: each one breaks a rollback to it.

-- expect: unsafe renaming-column
ALTER TABLE accounts RENAME COLUMN email TO email_address;

-- expect: unsafe ban-drop-column
ALTER TABLE accounts DROP COLUMN legacy_login;

-- expect: unsafe changing-column-type
ALTER TABLE orders ALTER COLUMN total_cents TYPE bigint;

-- expect: unsafe adding-not-nullable-field
ALTER TABLE accounts ALTER COLUMN display_name SET NOT NULL;

-- expect: unsafe adding-required-field
ALTER TABLE orders ADD COLUMN tenant_id bigint NOT NULL;

-- expect: unsafe ban-drop-not-null
ALTER TABLE orders ALTER COLUMN shipped_at DROP NOT NULL;

-- expect: unsafe ban-set-default
ALTER TABLE orders ALTER COLUMN currency SET DEFAULT 'EUR';

-- expect: unsafe ban-drop-default
ALTER TABLE orders ALTER COLUMN status DROP DEFAULT;

-- expect: unsafe ban-drop-constraint
ALTER TABLE orders DROP CONSTRAINT orders_status_check;

-- expect: unsafe renaming-table
ALTER TABLE customers RENAME TO clients;

-- expect: unsafe renaming-object
ALTER INDEX orders_created_at_idx RENAME TO orders_created_idx;

-- expect: unsafe ban-set-schema
ALTER TABLE reports SET SCHEMA archive;

-- expect: unsafe ban-replace-view-function
CREATE OR REPLACE VIEW active_accounts AS SELECT id, email_address FROM accounts;

-- expect: unsafe ban-revoke
REVOKE UPDATE ON accounts FROM app_writer;
