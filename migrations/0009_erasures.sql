CREATE TABLE `erasures` (
	`email_hash` text PRIMARY KEY NOT NULL,
	`erased_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL
);
