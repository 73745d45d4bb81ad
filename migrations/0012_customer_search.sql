-- Customer search by substring without reading every customer (issue 15): an FTS5 trigram index
-- over the customer id, email and name, kept in step by triggers (imports, API, erasure alike).
-- Contentless: it keeps only the index, the text is in customers.
CREATE VIRTUAL TABLE `customers_search` USING fts5(`text`, tokenize = 'trigram', content = '', contentless_delete = 1);
--> statement-breakpoint
-- An entry deleted (an erasure) leaves no trace in the index's pages.
INSERT INTO customers_search (customers_search, rank) VALUES ('secure-delete', 1);
--> statement-breakpoint
CREATE TRIGGER `customers_search_insert` AFTER INSERT ON `customers` BEGIN
  INSERT INTO customers_search (rowid, text) VALUES (new.id, new.external_id || ' ' || coalesce(new.email, '') || ' ' || coalesce(new.first_name, '') || ' ' || coalesce(new.last_name, ''));
END;
--> statement-breakpoint
CREATE TRIGGER `customers_search_update` AFTER UPDATE OF external_id, email, first_name, last_name ON `customers` BEGIN
  DELETE FROM customers_search WHERE rowid = old.id;
  INSERT INTO customers_search (rowid, text) VALUES (new.id, new.external_id || ' ' || coalesce(new.email, '') || ' ' || coalesce(new.first_name, '') || ' ' || coalesce(new.last_name, ''));
END;
--> statement-breakpoint
CREATE TRIGGER `customers_search_delete` AFTER DELETE ON `customers` BEGIN
  DELETE FROM customers_search WHERE rowid = old.id;
END;
--> statement-breakpoint
INSERT INTO customers_search (rowid, text) SELECT id, external_id || ' ' || coalesce(email, '') || ' ' || coalesce(first_name, '') || ' ' || coalesce(last_name, '') FROM customers;
