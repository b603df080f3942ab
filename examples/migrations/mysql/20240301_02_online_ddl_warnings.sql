-- Release 2.4: safe for a rollback, but these copy the table or block writes while they run.

-- expect: warning copy-algorithm
ALTER TABLE orders ADD INDEX idx_orders_customer (customer_id), ALGORITHM=COPY;

-- expect: warning blocking-lock-option
ALTER TABLE orders ADD INDEX idx_orders_total (total_cents), LOCK=SHARED;

-- expect: warning add_column_auto_incrementing
ALTER TABLE legacy_imports ADD COLUMN seq BIGINT NOT NULL AUTO_INCREMENT UNIQUE;

-- expect: warning add_column_default_callable
ALTER TABLE orders ADD COLUMN public_id CHAR(36) DEFAULT (UUID());

-- expect: warning add_foreign_key
ALTER TABLE orders ADD CONSTRAINT fk_orders_customer FOREIGN KEY (customer_id) REFERENCES customers (id);

-- expect: warning add_check_constraint
ALTER TABLE orders ADD CONSTRAINT chk_orders_total CHECK (total_cents >= 0);

-- expect: additive adding-optional-field
ALTER TABLE customers ADD COLUMN display_name VARCHAR(120) NULL;

-- expect: warning backfilling-data
UPDATE customers SET display_name = CONCAT(first_name, ' ', last_name) WHERE display_name IS NULL;
