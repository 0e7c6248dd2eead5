-- DropIndex
DROP INDEX "projects_title_id_idx";

-- Titles sort in the Unicode root collation (ICU's "und"), on PGlite and on every PostgreSQL alike,
-- whatever collation the database was created with: letters compare without regard to case or
-- accents first (alpha, Beta, Éclair, zeta). An expression index, which schema.prisma cannot
-- declare (and Prisma's diff leaves alone).
CREATE INDEX "projects_title_icu_id_idx" ON "projects" (("title" COLLATE "und-x-icu"), "id");
