DROP INDEX `responses_customer`;--> statement-breakpoint
CREATE INDEX `responses_customer_completed` ON `responses` (`customer_id`,`status`,`completed_at`);