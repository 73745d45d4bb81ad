CREATE UNIQUE INDEX `campaigns_one_personal` ON `campaigns` (`kind`) WHERE kind = 'personal';--> statement-breakpoint
CREATE INDEX `campaigns_status` ON `campaigns` (`status`);--> statement-breakpoint
CREATE INDEX `messages_member` ON `messages` (`member_id`);--> statement-breakpoint
CREATE INDEX `opt_in_requests_customer` ON `opt_in_requests` (`customer_id`);--> statement-breakpoint
CREATE INDEX `responses_customer` ON `responses` (`customer_id`);--> statement-breakpoint
CREATE INDEX `responses_survey_version` ON `responses` (`survey_version_id`);--> statement-breakpoint
CREATE INDEX `rewards_customer` ON `rewards` (`customer_id`);--> statement-breakpoint
-- Surveys that share a name (made before names were unique) keep them apart by id.
UPDATE `surveys` SET `name` = `name` || ' (' || `id` || ')' WHERE `id` NOT IN (SELECT min(`id`) FROM `surveys` GROUP BY `name`);--> statement-breakpoint
CREATE UNIQUE INDEX `surveys_name` ON `surveys` (`name`);