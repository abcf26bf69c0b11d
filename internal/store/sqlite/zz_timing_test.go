package sqlite_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/bistro-dev/bistro/internal/store/sqlite"
	"github.com/bistro-dev/bistro/internal/store/storetest"
)

func TestZZTiming(t *testing.T) {
	dir := t.TempDir()
	s, err := sqlite.Open(t.Context(), sqlite.Config{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		t.Log(e.Name())
	}
	b, _ := os.ReadFile(filepath.Join(dir, sqlite.FileName))
	for i := 0; i < 3; i++ {
		st := time.Now()
		d := t.TempDir()
		os.WriteFile(filepath.Join(d, sqlite.FileName), b, 0o600)
		s, err := sqlite.Open(t.Context(), sqlite.Config{Dir: d, RetryPolicy: storetest.RetryNow{}})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("open %v", time.Since(st))
		s.Close()
	}
}
