ALTER TABLE `campaigns` ADD `parent_id` integer REFERENCES campaigns(id);--> statement-breakpoint
ALTER TABLE `campaigns` ADD `follow_up_days` integer;--> statement-breakpoint
CREATE UNIQUE INDEX `campaigns_one_followup` ON `campaigns` (`parent_id`) WHERE kind = 'followup';