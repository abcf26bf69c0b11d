-- A long run records how far it got (the number of input records it has
-- finished), so that after a crash it resumes there.

-- +goose Up
ALTER TABLE runs ADD COLUMN checkpoint INTEGER NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE runs DROP COLUMN checkpoint;
