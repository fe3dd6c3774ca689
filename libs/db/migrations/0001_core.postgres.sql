-- Plain PostgreSQL: events stays a regular table; the indexes of 0001_core.sql serve the
-- same queries. (Rollups and retention arrive as views and batched deletes.)
SELECT 1;
