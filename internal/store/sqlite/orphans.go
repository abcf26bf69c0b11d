package sqlite

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// lockFile is held, exclusively, by the one process that uses a data
// directory.
const lockFile = "bistro.lock"

// lock takes the data directory for this process. SQLite is the embedded,
// single-process mode: a second process on the same files would share one
// writer and, worse, take the first one's running jobs for orphans.
func (s *Store) lock(dir string) error {
	f, err := os.OpenFile(filepath.Join(dir, lockFile), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return fmt.Errorf("lock the data directory: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return fmt.Errorf("another bistro process is using the data directory %s; stop it first, or give this one another --data", dir)
		}
		return fmt.Errorf("lock the data directory: %w", err)
	}
	s.lockf = f
	return nil
}

func (s *Store) unlock() error {
	if s.lockf == nil {
		return nil
	}
	err := s.lockf.Close() // closing releases the lock
	s.lockf = nil
	return err
}

// rescueOrphans makes the jobs that were running when the last process
// stopped (a crash, kill -9, power loss) available again at once. With the
// directory locked no other process can be working them, so there is no
// need to wait for River's rescuer, which must assume they might still be
// in progress elsewhere. Their runs resume on the next worker; finished
// runs are never redone (the runtime skips them).
func (s *Store) rescueOrphans(ctx context.Context) (int64, error) {
	res, err := s.write.ExecContext(ctx,
		`UPDATE river_job SET state = 'available', scheduled_at = datetime('now', 'subsec') WHERE state = 'running'`)
	if err != nil {
		return 0, fmt.Errorf("resume interrupted runs: %w", err)
	}
	return res.RowsAffected()
}
