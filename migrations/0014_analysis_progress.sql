PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_analysis_runs` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`as_of` text NOT NULL,
	`trigger` text NOT NULL,
	`started_at` text NOT NULL,
	`finished_at` text,
	`customers` integer NOT NULL,
	`phase` text,
	`expected_customers` integer,
	`summary` text
);
--> statement-breakpoint
INSERT INTO `__new_analysis_runs`("id", "as_of", "trigger", "started_at", "finished_at", "customers", "phase", "expected_customers", "summary") SELECT "id", "as_of", "trigger", "started_at", "finished_at", "customers", NULL, NULL, "summary" FROM `analysis_runs`;--> statement-breakpoint
DROP TABLE `analysis_runs`;--> statement-breakpoint
ALTER TABLE `__new_analysis_runs` RENAME TO `analysis_runs`;--> statement-breakpoint
PRAGMA foreign_keys=ON;