package redact

import (
	"encoding/base64"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
)

const secret = `p@ss w/rd&<x>+="q"`

func TestStringRedactsEveryEncoding(t *testing.T) {
	t.Parallel()
	f := New()
	f.Add(secret)
	tests := []struct{ name, form string }{
		{"as is", secret},
		{"query escaped", url.QueryEscape(secret)},
		{"path escaped", url.PathEscape(secret)},
		{"base64 std", base64.StdEncoding.EncodeToString([]byte(secret))},
		{"base64 std raw", base64.RawStdEncoding.EncodeToString([]byte(secret))},
		{"base64 url", base64.URLEncoding.EncodeToString([]byte(secret))},
		{"base64 url raw", base64.RawURLEncoding.EncodeToString([]byte(secret))},
		{"json", `p@ss w/rd\u0026\u003cx\u003e+=\"q\"`},
		{"json without html escaping", `p@ss w/rd&<x>+=\"q\"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			in := "before " + tc.form + " after"
			if got, want := f.String(in), "before "+Mask+" after"; got != want {
				t.Fatalf("String(%q) = %q, want %q", in, got, want)
			}
			if got := string(f.Bytes([]byte(in))); got != "before "+Mask+" after" {
				t.Fatalf("Bytes(%q) = %q", in, got)
			}
		})
	}
}

func TestStringBasicAuthPair(t *testing.T) {
	t.Parallel()
	f := New()
	f.AddPair("alice", "s3cret-pw")
	header := "Authorization: Basic " + base64.StdEncoding.EncodeToString([]byte("alice:s3cret-pw"))
	if got, want := f.String(header), "Authorization: Basic "+Mask; got != want {
		t.Fatalf("String = %q, want %q", got, want)
	}
	if got, want := f.String("password s3cret-pw for alice"), "password "+Mask+" for alice"; got != want {
		t.Fatalf("String = %q, want %q", got, want)
	}
	f.RemovePair("alice", "s3cret-pw")
	if got := f.String(header); got != header {
		t.Fatalf("after RemovePair: String = %q, want it unchanged", got)
	}
}

func TestStringLongestSecretFirst(t *testing.T) {
	t.Parallel()
	f := New()
	f.Add("abcd", "abcdefgh", "efgh")
	tests := []struct{ in, want string }{
		{"x abcdefgh y", "x " + Mask + " y"},
		{"x abcd y efgh", "x " + Mask + " y " + Mask},
		{"abcdabcdefgh", Mask + Mask},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			t.Parallel()
			if got := f.String(tc.in); got != tc.want {
				t.Fatalf("String(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestShortValuesAreIgnored(t *testing.T) {
	t.Parallel()
	f := New()
	f.Add("", "a", "123", "yes")
	in := "a 123 yes: plain text stays"
	if got := f.String(in); got != in {
		t.Fatalf("String = %q, want %q", got, in)
	}
}

func TestAddRemoveCountsRegistrations(t *testing.T) {
	t.Parallel()
	f := New()
	f.Add("shared-password")
	f.Add("shared-password")
	f.Remove("shared-password")
	if got := f.String("shared-password"); got != Mask {
		t.Fatalf("after one of two Removes: %q, want it still redacted", got)
	}
	f.Remove("shared-password")
	if got := f.String("shared-password"); got != "shared-password" {
		t.Fatalf("after both Removes: %q, want it no longer redacted", got)
	}
	f.Remove("never-added") // harmless
}

func TestZeroFilter(t *testing.T) {
	t.Parallel()
	var f Filter
	if got := f.String("hello world"); got != "hello world" {
		t.Fatalf("zero Filter altered text: %q", got)
	}
	f.Add("later-secret")
	if got := f.String("x later-secret"); got != "x "+Mask {
		t.Fatalf("String = %q", got)
	}
}

func TestNothingElseAltered(t *testing.T) {
	t.Parallel()
	f := New()
	f.Add("hunter22", "tok_live_abc123")
	texts := []string{
		"",
		"plain log line with numbers 1234 and words",
		"GET https://api.example.com:8443/users?email=ann@example.com 200",
		"mail ann@example.com at 10:30",
		`{"name":"Ann","tokens":3,"max_tokens":100,"secret_santa":false}`,
		"max_tokens=100 bypass=true user=bob host=db",
		"postgres://db.internal:5432/app?sslmode=require",
		"unicode: ünïcödé ✓ 日本語",
		"hunter2 is shorter than the secret",
	}
	for _, in := range texts {
		if got := f.String(in); got != in {
			t.Errorf("String(%q) = %q, want it unchanged", in, got)
		}
	}
}

func TestConcurrentUse(t *testing.T) {
	t.Parallel()
	f := New()
	f.Add("always-secret")
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := range 200 {
				v := fmt.Sprintf("temp-secret-%d-%d", w, i)
				f.Add(v)
				if got := f.String("x " + v); got != "x "+Mask {
					t.Errorf("just-added secret not redacted: %q", got)
					return
				}
				f.Remove(v)
			}
		})
		wg.Go(func() {
			for range 500 {
				if got := f.String("a always-secret b"); got != "a "+Mask+" b" {
					t.Errorf("String = %q", got)
					return
				}
				_ = f.Value(map[string]any{"k": "always-secret"})
			}
		})
	}
	wg.Wait()
}

func BenchmarkString(b *testing.B) {
	for _, n := range []int{0, 10, 1000} {
		f := New()
		for i := range n {
			f.Add(fmt.Sprintf("secret-value-%04d-%x", i, i*7919))
		}
		line := strings.Repeat("user=bob action=upsert table=leads rows=42 took=3ms; ", 80)[:4096]
		b.Run(fmt.Sprintf("secrets=%d/clean", n), func(b *testing.B) {
			b.SetBytes(int64(len(line)))
			for b.Loop() {
				_ = f.String(line)
			}
		})
		hit := fmt.Sprintf("secret-value-%04d-%x", 7, 7*7919)
		dirty := line[:2048] + hit + line[2048+len(hit):]
		b.Run(fmt.Sprintf("secrets=%d/one-hit", n), func(b *testing.B) {
			b.SetBytes(int64(len(dirty)))
			for b.Loop() {
				_ = f.String(dirty)
			}
		})
	}
}

func BenchmarkRebuild(b *testing.B) {
	f := New()
	for i := range 1000 {
		f.Add(fmt.Sprintf("secret-value-%04d-%x", i, i*7919))
	}
	for b.Loop() {
		f.Add("one-more-secret")
		f.Remove("one-more-secret")
	}
}
