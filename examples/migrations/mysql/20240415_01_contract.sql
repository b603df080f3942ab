-- Release 2.5: contract step. The running 2.4 still uses all of this: each one breaks a rollback to it.

-- expect: unsafe renaming-column
ALTER TABLE customers RENAME COLUMN email TO email_address;

-- expect: unsafe renaming-column
ALTER TABLE orders CHANGE COLUMN note customer_note TEXT NULL;

-- expect: unsafe changing-column-type
ALTER TABLE orders MODIFY COLUMN total_cents BIGINT NOT NULL;

-- expect: unsafe ban-drop-column
ALTER TABLE customers DROP COLUMN legacy_login;

-- expect: unsafe adding-required-field
ALTER TABLE orders ADD COLUMN tenant_id BIGINT NOT NULL;

-- expect: unsafe ban-drop-index
ALTER TABLE orders DROP INDEX idx_orders_status;

-- expect: unsafe ban-drop-constraint
ALTER TABLE orders DROP FOREIGN KEY fk_orders_customer;

-- expect: unsafe renaming-table
RENAME TABLE customers TO clients;

-- expect: unsafe renaming-table
ALTER TABLE carts RENAME TO baskets;

-- expect: unsafe ban-replace-view-function
CREATE OR REPLACE VIEW v_open_orders AS SELECT id FROM orders WHERE status = 'open';
