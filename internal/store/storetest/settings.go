package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/bistro-dev/bistro/internal/store"
)

func testSettings(t *testing.T, s store.Store) {
	ctx := t.Context()
	if _, err := s.Setting(ctx, "signing-key"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("an unset setting: %v; want ErrNotFound", err)
	}
	for _, value := range []string{"first", "second"} {
		got, err := s.InitSetting(ctx, "signing-key", []byte(value))
		if err != nil || string(got) != "first" {
			t.Errorf("InitSetting(%s) = %q, %v; want the first value", value, got, err)
		}
	}
	if got, err := s.Setting(ctx, "signing-key"); err != nil || string(got) != "first" {
		t.Errorf("Setting = %q, %v; want first", got, err)
	}
}

// testSettingsConcurrentInit checks that nodes starting together agree on
// one value.
func testSettingsConcurrentInit(t *testing.T, s store.Store) {
	const n = 16
	got := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			v, err := s.InitSetting(t.Context(), "key", fmt.Appendf(nil, "value-%d", i))
			if err != nil {
				t.Errorf("InitSetting: %v", err)
			}
			got[i] = string(v)
		})
	}
	wg.Wait()
	stored, err := s.Setting(t.Context(), "key")
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range got {
		if v != string(stored) {
			t.Errorf("InitSetting %d returned %q; the store holds %q", i, v, stored)
		}
	}
}
