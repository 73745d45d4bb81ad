CREATE TABLE `analysis_runs` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`as_of` text NOT NULL,
	`trigger` text NOT NULL,
	`started_at` text NOT NULL,
	`finished_at` text NOT NULL,
	`customers` integer NOT NULL,
	`summary` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `customer_analysis` (
	`customer_id` integer PRIMARY KEY NOT NULL,
	`run_id` integer NOT NULL,
	`as_of` text NOT NULL,
	`orders` integer NOT NULL,
	`purchase_days` integer NOT NULL,
	`first_order_at` text NOT NULL,
	`last_order_at` text NOT NULL,
	`spend_cents` integer NOT NULL,
	`average_order_cents` integer NOT NULL,
	`favourite_items` text,
	`typical_gap_days` real NOT NULL,
	`gap_basis` text NOT NULL,
	`days_since_last` integer NOT NULL,
	`lapse_status` text NOT NULL,
	`early_warning` text,
	`r_score` integer NOT NULL,
	`f_score` integer NOT NULL,
	`m_score` integer NOT NULL,
	`p_alive` real,
	`expected_purchases_90` real,
	`expected_purchases_365` real,
	`expected_order_cents` integer,
	`clv_cents` integer,
	`value_if_won_cents` integer,
	`priority_cents` integer,
	FOREIGN KEY (`customer_id`) REFERENCES `customers`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `customer_analysis_status_priority` ON `customer_analysis` (`lapse_status`,`priority_cents`);--> statement-breakpoint
CREATE INDEX `customer_analysis_priority` ON `customer_analysis` (`priority_cents`);--> statement-breakpoint
CREATE INDEX `customer_analysis_clv` ON `customer_analysis` (`clv_cents`);--> statement-breakpoint
CREATE INDEX `customer_analysis_days_since` ON `customer_analysis` (`days_since_last`);