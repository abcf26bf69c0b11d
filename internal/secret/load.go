package secret

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// EnvKey is the environment variable that holds the secret keys.
const EnvKey = "BISTRO_SECRET_KEY"

// KeyFileName is the key file's name inside the data directory.
const KeyFileName = "secret.key"

// LoadKeyring builds the keyring from BISTRO_SECRET_KEY when it is set, or
// else from <dataDir>/secret.key, creating that file with a new random key
// (mode 0600) on first use. env is os.LookupEnv in production.
func LoadKeyring(env func(string) (string, bool), dataDir string) (*Keyring, error) {
	if spec, ok := env(EnvKey); ok && strings.TrimSpace(spec) != "" {
		keys, err := ParseKeys(spec)
		if err != nil {
			return nil, fmt.Errorf("%s is not usable: %w", EnvKey, err)
		}
		kr, err := NewKeyring(keys)
		if err != nil {
			return nil, fmt.Errorf("%s is not usable: %w", EnvKey, err)
		}
		return kr, nil
	}
	path := filepath.Join(dataDir, KeyFileName)
	data, err := readKeyFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		data, err = createKeyFile(dataDir, path)
	}
	if err != nil {
		return nil, err
	}
	defer clear(data)
	keys, err := ParseKeys(string(data))
	if err != nil {
		return nil, fmt.Errorf("the key file %s is not usable: %w", path, err)
	}
	kr, err := NewKeyring(keys)
	if err != nil {
		return nil, fmt.Errorf("the key file %s is not usable: %w", path, err)
	}
	return kr, nil
}

// readKeyFile refuses a key file others can read: a key that has leaked to
// other local users protects nothing, so failing loudly beats running.
func readKeyFile(path string) ([]byte, error) {
	info, err := os.Stat(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		return nil, fmt.Errorf("cannot read the key file %s: %w", path, err)
	}
	if !info.Mode().IsRegular() {
		return nil, fmt.Errorf("the key file %s is not a regular file", path)
	}
	if runtime.GOOS != "windows" && info.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("the key file %s can be read by other users of this machine (permissions %04o); restrict it with: chmod 600 %s", path, info.Mode().Perm(), path)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read the key file %s: %w", path, err)
	}
	return data, nil
}

// createKeyFile writes a new key to a temporary file and links it into
// place, so a second process starting at the same moment either wins the
// link or reads the complete file the first one wrote, never a partial one.
func createKeyFile(dataDir, path string) ([]byte, error) {
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("cannot create the data directory %s: %w", dataDir, err)
	}
	key := make([]byte, KeySize)
	defer clear(key)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("cannot generate a secret key: %w", err)
	}
	line := []byte(fingerprintID(key) + ":")
	line = base64.StdEncoding.AppendEncode(line, key)
	line = append(line, '\n')
	if err := writeNewFile(dataDir, path, line); err != nil {
		clear(line)
		if errors.Is(err, fs.ErrExist) {
			return readKeyFile(path)
		}
		return nil, fmt.Errorf("cannot create the key file %s: %w", path, err)
	}
	return line, nil
}

func writeNewFile(dir, path string, data []byte) error {
	tmp, err := os.CreateTemp(dir, ".secret.key-*") // created 0600
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Link(tmp.Name(), path)
}
