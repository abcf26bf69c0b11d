-- Run history shows the records that reached each step, next to those it
-- output.

-- +goose Up
ALTER TABLE run_steps ADD COLUMN input JSONB;

-- +goose Down
ALTER TABLE run_steps DROP COLUMN input;
