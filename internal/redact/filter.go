// Package redact is the one filter that keeps live secrets out of logs,
// errors, run data and API responses. It is fed every secret value in use
// (and user/password pairs) and replaces each one, and its common encodings,
// with "[redacted]". It also hides passwords in connection strings even when
// they were never registered, because drivers echo DSNs in their errors.
package redact

import (
	"cmp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
)

// Mask replaces every secret the filter finds.
const Mask = "[redacted]"

// MinLen is the shortest value the filter registers. Shorter values are
// ignored: replacing every "1", "ab" or "yes" would shred ordinary text
// (numbers, words, JSON) while hiding almost nothing, since a 1-3 byte secret
// can be guessed anyway. Encodings shorter than MinLen are skipped likewise.
const MinLen = 4

// Filter holds the live secret values. The zero value is ready to use and
// redacts only connection-string passwords. A Filter is safe for concurrent
// use: readers never block, because every change builds a new matcher that
// is swapped in atomically.
type Filter struct {
	mu     sync.Mutex
	values map[string]int // value -> registrations, so shared values survive one Remove
	pairs  map[pair]int
	m      atomic.Pointer[strings.Replacer]
}

type pair struct{ user, password string }

// New returns an empty filter.
func New() *Filter { return &Filter{} }

// Add registers secret values. Each Add must be matched by one Remove: two
// connections sharing a password keep it redacted until both are gone.
// Adding many values in one call rebuilds the matcher once.
func (f *Filter) Add(values ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.values == nil {
		f.values = map[string]int{}
	}
	changed := false
	for _, v := range values {
		if len(v) < MinLen {
			continue
		}
		f.values[v]++
		changed = changed || f.values[v] == 1
	}
	if changed {
		f.rebuild()
	}
}

// Remove unregisters values added earlier.
func (f *Filter) Remove(values ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	changed := false
	for _, v := range values {
		n, ok := f.values[v]
		if !ok {
			continue
		}
		if n <= 1 {
			delete(f.values, v)
			changed = true
		} else {
			f.values[v] = n - 1
		}
	}
	if changed {
		f.rebuild()
	}
}

// AddPair registers a user and password used together, so that a basic-auth
// header carrying both (base64 of "user:password") is redacted too. The
// password itself is registered as by Add; the user name is not a secret.
func (f *Filter) AddPair(user, password string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.pairs == nil {
		f.pairs = map[pair]int{}
	}
	f.pairs[pair{user, password}]++
	f.rebuild()
}

// RemovePair unregisters a pair added by AddPair.
func (f *Filter) RemovePair(user, password string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	p := pair{user, password}
	n, ok := f.pairs[p]
	if !ok {
		return
	}
	if n <= 1 {
		delete(f.pairs, p)
	} else {
		f.pairs[p] = n - 1
	}
	f.rebuild()
}

// rebuild makes a new replacer from every registered value's encodings.
// strings.Replacer tries its patterns in argument order at each position, so
// sorting longest first makes a secret that contains another one vanish
// whole instead of leaving its remainder behind. Called with f.mu held.
func (f *Filter) rebuild() {
	set := map[string]struct{}{}
	for v := range f.values {
		for _, e := range encodings(v) {
			set[e] = struct{}{}
		}
	}
	for p := range f.pairs {
		for _, e := range pairEncodings(p.user, p.password) {
			set[e] = struct{}{}
		}
	}
	if len(set) == 0 {
		f.m.Store(nil)
		return
	}
	patterns := make([]string, 0, len(set))
	for e := range set {
		if len(e) >= MinLen {
			patterns = append(patterns, e)
		}
	}
	slices.SortFunc(patterns, func(a, b string) int {
		return cmp.Or(cmp.Compare(len(b), len(a)), strings.Compare(a, b))
	})
	args := make([]string, 0, 2*len(patterns))
	for _, p := range patterns {
		args = append(args, p, Mask)
	}
	f.m.Store(strings.NewReplacer(args...))
}

// String returns s with every registered secret, its encodings and any
// connection-string password replaced by Mask. Text without secrets comes
// back unchanged.
func (f *Filter) String(s string) string {
	if r := f.m.Load(); r != nil {
		s = r.Replace(s)
	}
	return redactCredentials(s)
}

// Bytes is String for byte slices. It returns b itself when nothing was
// redacted, and a new slice otherwise.
func (f *Filter) Bytes(b []byte) []byte {
	s := string(b)
	out := f.String(s)
	if out == s {
		return b
	}
	return []byte(out)
}
