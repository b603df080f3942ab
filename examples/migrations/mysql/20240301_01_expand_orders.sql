-- Release 2.4 (MySQL 8, InnoDB): expand step. InnoDB adds these online; the running 2.3 keeps working.
-- Each statement is preceded by the class and rule the gate must give it (test/unit/migrations/corpus.test.ts).

-- expect: additive neutral
SET SESSION lock_wait_timeout = 5;

-- expect: additive new-object
CREATE TABLE shipment_events (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  order_id BIGINT UNSIGNED NOT NULL,
  kind VARCHAR(32) NOT NULL,
  created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  PRIMARY KEY (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- expect: additive new-table
ALTER TABLE shipment_events ADD COLUMN carrier VARCHAR(64) NOT NULL;

-- expect: additive adding-optional-field
ALTER TABLE orders ADD COLUMN gift_note VARCHAR(255) NULL;

-- expect: additive adding-optional-field
ALTER TABLE orders ADD COLUMN is_gift TINYINT(1) NOT NULL DEFAULT 0;

-- expect: additive new-object
CREATE INDEX idx_orders_created_at ON orders (created_at);

-- expect: additive new-object
ALTER TABLE orders ADD INDEX idx_orders_status (status), ALGORITHM=INPLACE, LOCK=NONE;

-- expect: additive extending-object
ALTER TABLE customers ADD UNIQUE KEY uq_customers_email (email);

-- expect: additive seed-data
INSERT INTO shipping_methods (code, label) VALUES ('express', 'Express 24h');

-- expect: additive extending-object
GRANT SELECT ON shop.shipment_events TO 'reporting'@'%';

-- expect: additive new-object
CREATE VIEW v_open_orders AS SELECT id, customer_id FROM orders WHERE status = 'open';
