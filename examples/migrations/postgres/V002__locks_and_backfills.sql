-- Release 2.4: safe for a rollback, but each of these locks or rewrites while it runs.

-- expect: warning require-concurrent-index-creation
CREATE INDEX orders_created_at_idx ON orders (created_at);

-- expect: warning adding-field-with-default
ALTER TABLE orders ADD COLUMN public_id uuid DEFAULT gen_random_uuid();

-- expect: warning adding-foreign-key-constraint
ALTER TABLE invoices ADD CONSTRAINT invoices_order_fk FOREIGN KEY (order_id) REFERENCES orders (id);

-- expect: warning constraint-missing-not-valid
ALTER TABLE invoices ADD CONSTRAINT invoices_amount_positive CHECK (amount_cents >= 0);

-- expect: warning disallowed-unique-constraint
ALTER TABLE accounts ADD CONSTRAINT accounts_email_key UNIQUE (email);

-- expect: warning adding-serial-primary-key-field
ALTER TABLE audit_events ADD PRIMARY KEY (id);

-- expect: warning add_exclusion_constraint
ALTER TABLE bookings ADD CONSTRAINT bookings_no_overlap EXCLUDE USING gist (room_id WITH =, during WITH &&);

-- expect: warning require-concurrent-reindex
REINDEX INDEX orders_created_at_idx;

-- expect: warning prefer-repack
VACUUM FULL audit_events;

-- expect: additive adding-optional-field
ALTER TABLE accounts ADD COLUMN display_name text;

-- expect: warning backfilling-data
UPDATE accounts SET display_name = nickname WHERE display_name IS NULL;

-- expect: additive neutral
BEGIN;

-- expect: warning ban-concurrent-index-creation-in-transaction
CREATE INDEX CONCURRENTLY invoices_order_idx ON invoices (order_id);

-- expect: additive neutral
COMMIT;
