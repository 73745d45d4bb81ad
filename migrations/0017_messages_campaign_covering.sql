DROP INDEX `messages_campaign`;--> statement-breakpoint
CREATE INDEX `messages_campaign` ON `messages` (`campaign_id`,`status`,`kind`,`member_id`);