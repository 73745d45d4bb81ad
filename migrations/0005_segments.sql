CREATE TABLE `segments` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`name` text NOT NULL,
	`rules` text NOT NULL,
	`created_by` text NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	`updated_by` text NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `segments_name` ON `segments` (`name`);--> statement-breakpoint
ALTER TABLE `responses` ADD `reasons` text;--> statement-breakpoint
-- Answers given before this column existed: the reasons of the default survey's churn questions.
UPDATE `responses` SET `reasons` = (
  SELECT '|' || group_concat(v, '|') || '|' FROM (
    SELECT value AS v FROM json_each(responses.answers, '$.reasons.values')
    UNION SELECT json_extract(responses.answers, '$.main_reason') WHERE json_type(responses.answers, '$.main_reason') = 'text'
  )
) WHERE `status` = 'complete' AND json_type(`answers`, '$.reasons.values') = 'array';
