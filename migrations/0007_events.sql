CREATE TABLE `events` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`external_id` text NOT NULL,
	`customer_id` integer NOT NULL,
	`occurred_at` text NOT NULL,
	`kind` text NOT NULL,
	`note` text,
	`inserted_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	FOREIGN KEY (`customer_id`) REFERENCES `customers`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `events_external_id` ON `events` (`external_id`);--> statement-breakpoint
CREATE INDEX `events_customer_occurred_at` ON `events` (`customer_id`,`occurred_at`);--> statement-breakpoint
CREATE INDEX `events_kind_occurred_at` ON `events` (`kind`,`occurred_at`);