-- The customer list in name order from an index (missing names last), and by the date a customer was created: at a million customers, sorting them all for one page took seconds.
CREATE INDEX `customers_name_order` ON `customers` (`last_name` IS NULL, `last_name` COLLATE NOCASE, `first_name` IS NULL, `first_name` COLLATE NOCASE);--> statement-breakpoint
CREATE INDEX `customers_created_at` ON `customers` (`created_at`);
