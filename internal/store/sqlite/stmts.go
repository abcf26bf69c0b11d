package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// stmts are the statements every run goes through, prepared once when the
// store opens: modernc.org/sqlite parses SQL text anew on every call, and
// that parsing was a third of the server's CPU time under load. The write
// ones live on the single write connection; transactions use them through
// tx.StmtContext, which reuses the same prepared handle.
type stmts struct {
	insertRun *sql.Stmt // write
	updateRun *sql.Stmt // write
	saveStep  *sql.Stmt // write
	getRun    *sql.Stmt // read, prepared on each read connection as it is used
}

// prepare prepares the hot statements; the schema must be current.
func (s *Store) prepare(ctx context.Context) error {
	list := []struct {
		dst   **sql.Stmt
		db    *sql.DB
		query string
	}{
		{&s.stmts.insertRun, s.write, insertRunSQL},
		{&s.stmts.updateRun, s.write, updateRunSQL},
		{&s.stmts.saveStep, s.write, saveStepSQL},
		{&s.stmts.getRun, s.read, getRunSQL},
	}
	for _, p := range list {
		st, err := p.db.PrepareContext(ctx, p.query)
		if err != nil {
			return fmt.Errorf("prepare the database's statements: %w", err)
		}
		*p.dst = st
	}
	return nil
}

// close releases the prepared statements; those never prepared are nil.
// Closed ones stay, so that a call after Close fails instead of panicking.
func (st *stmts) close() error {
	var errs []error
	for _, p := range []**sql.Stmt{&st.insertRun, &st.updateRun, &st.saveStep, &st.getRun} {
		if *p != nil {
			errs = append(errs, (*p).Close())
		}
	}
	return errors.Join(errs...)
}
