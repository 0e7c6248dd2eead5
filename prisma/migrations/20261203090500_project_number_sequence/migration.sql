-- By hand (Prisma declares no standalone sequence): the counter of numbers in a format without
-- {client}. A sequence gives numbers out without a lock held to the end of the creating transaction,
-- so concurrent creates do not queue behind one counter row, and it never goes back, so a number is
-- still never given twice (a create that fails leaves a gap). It goes on from the counter row that
-- the default format used until now.
CREATE SEQUENCE "project_number_seq" AS integer MINVALUE 1;
SELECT setval('project_number_seq', "last_value") FROM "project_number_counters" WHERE "scope" = 'P-{seq}';
DELETE FROM "project_number_counters" WHERE "scope" = 'P-{seq}';
