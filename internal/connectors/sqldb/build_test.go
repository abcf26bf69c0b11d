package sqldb

import (
	"fmt"
	"testing"
)

func TestStatements(t *testing.T) {
	t.Parallel()
	table := Name{Name: "leads"}
	r := row{cols: []Name{{Name: "email"}, {Name: "name"}}, vals: []any{"a@example.com", "Ann"}}
	key := []Name{{Name: "email"}}
	cond := row{cols: []Name{{Name: "id"}, {Name: "gone"}}, vals: []any{7, nil}}
	tests := []struct {
		got  *stmt
		want string
		args string
	}{
		{insertSQL(Postgres, table, r), `INSERT INTO "leads" ("email", "name") VALUES ($1, $2)`, "[a@example.com Ann]"},
		{upsertSQL(Postgres, table, r, key, ""), `INSERT INTO "leads" ("email", "name") VALUES ($1, $2) ON CONFLICT ("email") DO UPDATE SET "name" = EXCLUDED."name"`, "[a@example.com Ann]"},
		{upsertSQL(SQLite, table, row{cols: key, vals: []any{"a"}}, key, ""), `INSERT INTO "leads" ("email") VALUES (?) ON CONFLICT ("email") DO UPDATE SET "email" = EXCLUDED."email"`, "[a]"},
		{upsertSQL(MySQL, table, r, key, "id"), "INSERT INTO `leads` (`email`, `name`) VALUES (?, ?) ON DUPLICATE KEY UPDATE `name` = VALUES(`name`), `id` = LAST_INSERT_ID(`id`)", "[a@example.com Ann]"},
		{updateSQL(Postgres, table, r, cond), `UPDATE "leads" SET "email" = $1, "name" = $2 WHERE "id" = $3 AND "gone" IS NULL`, "[a@example.com Ann 7]"},
		{deleteSQL(MySQL, table, row{}), "DELETE FROM `leads`", "[]"},
		{selectSQL(MySQL, table, cond, true), "SELECT * FROM `leads` WHERE `id` = ? AND `gone` IS NULL FOR UPDATE", "[7]"},
		{multiInsertSQL(SQLite, table, r.cols, [][]any{{"a", 1}, {"b", nil}}), `INSERT INTO "leads" ("email", "name") VALUES (?, ?), (?, ?)`, "[a 1 b <nil>]"},
	}
	for _, tt := range tests {
		if got := tt.got.String(); got != tt.want {
			t.Errorf("got  %s\nwant %s", got, tt.want)
		}
		if args := fmt.Sprint(tt.got.args); args != tt.args {
			t.Errorf("%s: args %s, want %s", tt.want, args, tt.args)
		}
	}
}
