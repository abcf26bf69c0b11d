package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/bistro-dev/bistro/internal/runner"
	"github.com/bistro-dev/bistro/internal/secret"
)

func newSecretsCmd(s env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "secrets",
		Short: "Manage the key that encrypts stored secrets",
		Long: `Stored secrets (the passwords and tokens of connections) are encrypted with
the first key of ` + secret.EnvKey + `, or else of <data>/` + secret.KeyFileName + `,
which 'bistro serve' creates at first start. The other keys only decrypt.`,
		Example: `  BISTRO_SECRET_KEY="new:$(openssl rand -base64 32),$OLD_KEYS" bistro secrets rotate`,
		Args:    cobra.NoArgs,
	}
	cmd.AddCommand(newSecretsRotate(s))
	return cmd
}

func newSecretsRotate(s env) *cobra.Command {
	var f serveFlags
	cmd := &cobra.Command{
		Use:   "rotate",
		Short: "Encrypt every stored secret again with the current key",
		Long: `Encrypt every stored secret again with the current (first) key, so that the
older keys can then be removed. Run it with the server stopped, on the same
data directory or database as the server, with the new key first and the old
ones after it (in ` + secret.EnvKey + ` or the key file). Secrets that no
key opens are listed and left as they are; the exit status is then 1.`,
		Example: `  BISTRO_SECRET_KEY="k2:$(openssl rand -base64 32),k1:$OLD_KEY" bistro secrets rotate --data /var/lib/bistro
  bistro secrets rotate --database-url postgres://bistro@db.internal:5432/bistro`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s.fill(&f)
			ctx := cmd.Context()
			if ctx == nil {
				ctx = context.Background()
			}
			return rotateSecrets(ctx, s, f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.data, "data", "", "data directory (default ./bistro-data; also "+envData+")")
	fl.StringVar(&f.database, "database-url", "", "PostgreSQL URL, when the server uses one (also "+envDatabase+")")
	return cmd
}

func rotateSecrets(ctx context.Context, s env, f serveFlags) error {
	kr, err := existingKeyring(s, f.data)
	if err != nil {
		return err
	}
	st, err := openStore(ctx, f, slog.New(slog.DiscardHandler))
	if err != nil {
		return err
	}
	defer st.Close()
	rep, err := runner.RotateSecrets(ctx, st, kr)
	if err != nil {
		return fmt.Errorf("the secrets could not be rotated: %w", err)
	}
	recordRotation(ctx, s, st, rep)
	fmt.Fprintf(s.out, "%d secrets found: %d encrypted again with the key '%s', %d already used it\n", rep.Total, rep.Resealed, rep.KeyID, rep.Current)
	for _, fail := range rep.Failed {
		fmt.Fprintf(s.err, "error: connection '%s' (workspace %s), setting '%s': %s\n", fail.Connection, fail.Workspace, fail.Field, fail.Reason)
	}
	switch {
	case rep.Changed > 0:
		fmt.Fprintf(s.err, "%d secrets changed while rotating; run the command again\n", rep.Changed)
		return errFailed
	case len(rep.Failed) > 0:
		fmt.Fprintf(s.err, "%d secrets could not be decrypted with any key given; they were left as they are\n", len(rep.Failed))
		return errFailed
	}
	if old := kr.KeyIDs()[1:]; len(old) > 0 {
		fmt.Fprintf(s.out, "every secret now uses the key '%s'; the older keys (%s) can be removed\n", rep.KeyID, strings.Join(old, ", "))
	}
	return nil
}

// existingKeyring loads the server's keys, but never makes a new key file:
// a new key would open nothing that is stored.
func existingKeyring(s env, dataDir string) (*secret.Keyring, error) {
	if v, ok := s.lookup(secret.EnvKey); !ok || strings.TrimSpace(v) == "" {
		path := filepath.Join(dataDir, secret.KeyFileName)
		if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("no secret key: set %s, or point --data at the server's data directory, which holds %s", secret.EnvKey, secret.KeyFileName)
		}
	}
	return secret.LoadKeyring(s.lookup, dataDir)
}
