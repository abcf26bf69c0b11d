// Package sqldbtest is the conformance suite every SQL connector runs
// against its real database: each action, the bulk load, the poll
// trigger, the refusals, the errors and a flow end to end.
package sqldbtest

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/bistro-dev/bistro/connector"
	"github.com/bistro-dev/bistro/connector/connectortest"
)

// Target is a database the suite runs against.
type Target struct {
	// Connector is the connector under test.
	Connector connector.Connector
	// Config are the settings of a connection to the test database.
	Config map[string]any
	// Service and Address name the server for connectortest.Service;
	// empty for a file database.
	Service, Address string
	// Table is the CREATE TABLE statement of the test table, %s standing
	// for its name. Its columns: id (generated primary key), email (text,
	// unique, not null), qty (integer, values of another type refused),
	// note (text), bkey (text, unique) and changed (a time).
	Table string
	// Bulk is the name of the bulk action.
	Bulk string
}

// Run runs the suite.
func Run(t *testing.T, target Target) {
	tests := map[string]func(*testing.T, Target){
		"Query":                    testQuery,
		"QueryStreams":             testQueryStreams,
		"Insert":                   testInsert,
		"InsertKeyColumn":          testInsertKeyColumn,
		"Upsert":                   testUpsert,
		"Update":                   testUpdate,
		"UpdateWithoutWhere":       testUpdateWithoutWhere,
		"Delete":                   testDelete,
		"Identifiers":              testIdentifiers,
		"Bulk":                     testBulk,
		"BulkFailingBatch":         testBulkFailingBatch,
		"BulkColumns":              testBulkColumns,
		"PollFromNow":              testPollFromNow,
		"PollFromBeginningAndTies": testPollTies,
		"PollTimeCursor":           testPollTimeCursor,
		"PollEmptyTable":           testPollEmptyTable,
		"Errors":                   testErrors,
		"RunFlow":                  testRunFlow,
		"RunFlowBulk":              testRunFlowBulk,
	}
	for name, test := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			test(t, target)
		})
	}
}

// fixture is an open connection and a fresh table of the test schema.
type fixture struct {
	t     *testing.T
	conn  connector.Conn
	table string
	bulk  string
}

// uniqueName returns a table name no other test uses.
func uniqueName(prefix string) string {
	return prefix + strings.ToLower(rand.Text()[:12])
}

func setup(t *testing.T, target Target) *fixture {
	t.Helper()
	if target.Service != "" {
		connectortest.Service(t, target.Service, target.Address)
	}
	conn := open(t, target, connectortest.Env(t))
	f := &fixture{t: t, conn: conn, table: uniqueName("sqltest_"), bulk: target.Bulk}
	f.exec(fmt.Sprintf(target.Table, f.table))
	t.Cleanup(func() { f.drop(f.table) })
	return f
}

func open(t *testing.T, target Target, env connector.Env) connector.Conn {
	t.Helper()
	spec := target.Connector.Spec()
	if errs := spec.ValidateConfig(target.Config); len(errs) > 0 {
		t.Fatalf("the test settings are not valid: %v", errs)
	}
	conn, err := target.Connector.Open(context.Background(), spec.WithDefaults(target.Config), env)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return conn
}

func (f *fixture) drop(table string) {
	_, err := f.do(query("DROP TABLE IF EXISTS " + table))
	if err != nil {
		f.t.Errorf("drop table %s: %v", table, err)
	}
}

func query(sql string, params ...any) connector.Request {
	return connector.Request{Action: "query", Input: map[string]any{"sql": sql, "params": params}}
}

func (f *fixture) do(req connector.Request) ([]map[string]any, error) {
	return connectortest.Do(context.Background(), f.conn, req)
}

// must runs a request that has to succeed.
func (f *fixture) must(req connector.Request) []map[string]any {
	f.t.Helper()
	out, err := f.do(req)
	if err != nil {
		f.t.Fatalf("%s: %v", req.Action, err)
	}
	return out
}

func (f *fixture) exec(sql string, params ...any) []map[string]any {
	f.t.Helper()
	return f.must(query(sql, params...))
}

// rows returns the table's rows ordered by id.
func (f *fixture) rows() []map[string]any {
	f.t.Helper()
	return f.exec("SELECT id, email, qty, note FROM " + f.table + " ORDER BY id")
}

// write builds a request of a write action on the fixture's table.
func (f *fixture) write(action string, input map[string]any, record map[string]any) connector.Request {
	in := map[string]any{"table": f.table}
	for k, v := range input {
		in[k] = v
	}
	return connector.Request{Action: action, Input: in, Record: record}
}

// permanent checks that err is marked permanent and says each of words.
func permanent(t *testing.T, err error, words ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want one saying %q", words)
	}
	t.Logf("error: %v", err)
	if !errors.Is(err, connector.ErrPermanent) {
		t.Errorf("error %q is not marked permanent", err)
	}
	for _, w := range words {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not say %q", err, w)
		}
	}
}

// number reads an integer a record holds. MySQL's writes return the
// values as given, so a number may come as text.
func number(v any) int {
	switch n := v.(type) {
	case string:
		if i, err := strconv.Atoi(n); err == nil {
			return i
		}
	case int:
		return n
	case int64:
		return int(n)
	case float64:
		return int(n)
	}
	return -1
}
