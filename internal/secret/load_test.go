package secret

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func envOf(vars map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v, ok := vars[k]
		return v, ok
	}
}

var noEnv = envOf(nil)

func b64Key(t *testing.T, enc *base64.Encoding) (string, []byte) {
	t.Helper()
	k := make([]byte, KeySize)
	if _, err := rand.Read(k); err != nil {
		t.Fatal(err)
	}
	return enc.EncodeToString(k), k
}

func TestLoadKeyringCreatesAndReusesKeyFile(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "data") // not there yet
	first, err := LoadKeyring(noEnv, dir)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, KeyFileName)
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" && info.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode = %04o, want 0600", info.Mode().Perm())
	}
	env, err := first.Seal([]byte("kept across restarts"), []byte("a"))
	if err != nil {
		t.Fatal(err)
	}
	second, err := LoadKeyring(noEnv, dir)
	if err != nil {
		t.Fatal(err)
	}
	if second.CurrentKeyID() != first.CurrentKeyID() {
		t.Fatalf("key id changed from %q to %q", first.CurrentKeyID(), second.CurrentKeyID())
	}
	got, err := second.Open(env, []byte("a"))
	if err != nil || string(got) != "kept across restarts" {
		t.Fatalf("after reload: Open = %q, %v", got, err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		t.Fatalf("data directory holds %d entries, want only the key file", len(entries))
	}
}

func TestLoadKeyringRefusesOpenKeyFile(t *testing.T) {
	t.Parallel()
	if runtime.GOOS == "windows" {
		t.Log("file modes are not checked on Windows")
		return
	}
	for _, mode := range []os.FileMode{0o644, 0o640, 0o604, 0o660} {
		t.Run(mode.String(), func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			if _, err := LoadKeyring(noEnv, dir); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(dir, KeyFileName)
			if err := os.Chmod(path, mode); err != nil {
				t.Fatal(err)
			}
			_, err := LoadKeyring(noEnv, dir)
			if err == nil {
				t.Fatal("a key file readable by others was accepted")
			}
			if !strings.Contains(err.Error(), "chmod 600 "+path) {
				t.Fatalf("error %q does not say how to fix it", err)
			}
		})
	}
}

func TestLoadKeyringFromEnv(t *testing.T) {
	t.Parallel()
	std, stdRaw := b64Key(t, base64.StdEncoding)
	url, _ := b64Key(t, base64.RawURLEncoding)
	older, _ := b64Key(t, base64.StdEncoding)
	tests := []struct {
		name    string
		value   string
		wantIDs []string
	}{
		{"plain key gets a fingerprint id", std, []string{fingerprintID(stdRaw)}},
		{"url-safe unpadded", "k1:" + url, []string{"k1"}},
		{"rotation list", "new:" + url + ",old:" + older, []string{"new", "old"}},
		{"spaces and newlines", " new:" + url + "\n old:" + older + " ", []string{"new", "old"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			kr, err := LoadKeyring(envOf(map[string]string{EnvKey: tc.value}), dir)
			if err != nil {
				t.Fatal(err)
			}
			if got := kr.KeyIDs(); strings.Join(got, ",") != strings.Join(tc.wantIDs, ",") {
				t.Fatalf("key ids = %v, want %v", got, tc.wantIDs)
			}
			if _, err := os.Stat(filepath.Join(dir, KeyFileName)); !os.IsNotExist(err) {
				t.Fatalf("a key file was created although %s is set (stat err %v)", EnvKey, err)
			}
		})
	}
}

func TestLoadKeyringRejectsMalformedEnv(t *testing.T) {
	t.Parallel()
	good, _ := b64Key(t, base64.StdEncoding)
	short := base64.StdEncoding.EncodeToString([]byte("only-sixteen-byt"))
	tests := []struct {
		name, value, want string
	}{
		{"not base64", "not-a-key!!", "not valid base64"},
		{"too short", short, "16 bytes long; it must be exactly 32"},
		{"bad id", "a/b:" + good, "may only use letters"},
		{"duplicate ids", "a:" + good + ",a:" + good, "used twice"},
		{"second entry bad", good + ",x:nope", "secret key 2"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := LoadKeyring(envOf(map[string]string{EnvKey: tc.value}), t.TempDir())
			if err == nil {
				t.Fatal("accepted")
			}
			msg := err.Error()
			if !strings.Contains(msg, EnvKey) || !strings.Contains(msg, tc.want) {
				t.Fatalf("error %q should name %s and say %q", msg, EnvKey, tc.want)
			}
			if strings.Contains(msg, good) {
				t.Fatalf("error %q contains the key", msg)
			}
		})
	}
}

func TestLoadKeyringEmptyEnvFallsBackToFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if _, err := LoadKeyring(envOf(map[string]string{EnvKey: "  "}), dir); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, KeyFileName))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(data, []byte(":")) {
		t.Fatalf("key file %q lacks an id", data)
	}
}

func TestLoadKeyringConcurrentFirstStart(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	const n = 8
	ids := make(chan string, n)
	errs := make(chan error, n)
	for range n {
		go func() {
			kr, err := LoadKeyring(noEnv, dir)
			if err != nil {
				errs <- err
				return
			}
			ids <- kr.CurrentKeyID()
		}()
	}
	var first string
	for range n {
		select {
		case err := <-errs:
			t.Fatal(err)
		case id := <-ids:
			if first == "" {
				first = id
			}
			if id != first {
				t.Fatalf("concurrent starts got different keys %q and %q", first, id)
			}
		}
	}
}
