DROP INDEX `messages_campaign`;--> statement-breakpoint
ALTER TABLE `messages` ADD `arm` integer;--> statement-breakpoint
CREATE INDEX `messages_campaign` ON `messages` (`campaign_id`,`status`,`kind`,`arm`,`member_id`);