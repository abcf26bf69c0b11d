package runner

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/bistro-dev/bistro/connector"
	"github.com/bistro-dev/bistro/internal/secret"
	"github.com/bistro-dev/bistro/internal/store"
)

// A connection's secrets are its settings marked Secret in the connector's
// spec, nested ones included, each named by its path ("auth.password").
// Each is sealed on its own, as the JSON of its value, bound to the
// connection's id and its path: an envelope copied to another connection
// or setting does not open there.

// errNoKeyring is what saving or opening a secret says on a server
// without a secret key.
var errNoKeyring = errors.New("this server has no secret key to seal and open secrets with; set BISTRO_SECRET_KEY or let 'bistro serve' create its key file")

// secretAAD binds an envelope to its connection and setting.
func secretAAD(connectionID, path string) []byte {
	return []byte("connection:" + connectionID + ":" + path)
}

// secretField is a secret setting and where it is.
type secretField struct {
	path  string
	field connector.Field
}

// secretFields lists the secret settings, looking into nested groups of
// named settings. Secrets inside lists or free-form groups are not
// supported: no connector has them, and their paths would not be stable.
func secretFields(fields []connector.Field) []secretField {
	var out []secretField
	var walk func(prefix string, fields []connector.Field)
	walk = func(prefix string, fields []connector.Field) {
		for _, f := range fields {
			path := prefix + f.Name
			switch {
			case f.Secret:
				out = append(out, secretField{path: path, field: f})
			case f.Type == connector.Object && len(f.Fields) > 0:
				walk(path+".", f.Fields)
			}
		}
	}
	walk("", fields)
	return out
}

// splitSecrets separates the secret values from a connection's settings:
// plain is a copy of config without them, set the secrets given a value
// and clearing the secrets given as null.
func splitSecrets(secrets []secretField, config map[string]any) (plain, set map[string]any, clearing []string) {
	plain, set = cloneMap(config), map[string]any{}
	for _, sf := range secrets {
		v, ok := lookupPath(plain, sf.path)
		if !ok {
			continue
		}
		deletePath(plain, sf.path)
		if v == nil {
			clearing = append(clearing, sf.path)
		} else {
			set[sf.path] = v
		}
	}
	return plain, set, clearing
}

// cloneMap copies nested groups and lists, so that the copy can change
// without touching the original.
func cloneMap(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = cloneValue(v)
	}
	return out
}

func cloneValue(v any) any {
	switch x := v.(type) {
	case map[string]any:
		return cloneMap(x)
	case []any:
		out := make([]any, len(x))
		for i, item := range x {
			out[i] = cloneValue(item)
		}
		return out
	}
	return v
}

// lookupPath finds the value at a dotted path; ok is false when a part of
// the path is missing.
func lookupPath(m map[string]any, path string) (any, bool) {
	head, rest, nested := strings.Cut(path, ".")
	v, ok := m[head]
	if !ok || !nested {
		return v, ok
	}
	child, isMap := v.(map[string]any)
	if !isMap {
		return nil, false
	}
	return lookupPath(child, rest)
}

func deletePath(m map[string]any, path string) {
	head, rest, nested := strings.Cut(path, ".")
	if !nested {
		delete(m, head)
		return
	}
	if child, ok := m[head].(map[string]any); ok {
		deletePath(child, rest)
	}
}

// setPath sets the value at a dotted path, making the groups on the way.
func setPath(m map[string]any, path string, v any) {
	head, rest, nested := strings.Cut(path, ".")
	if !nested {
		m[head] = v
		return
	}
	child, ok := m[head].(map[string]any)
	if !ok {
		child = map[string]any{}
		m[head] = child
	}
	setPath(child, rest, v)
}

// placeholder stands for a stored secret when settings are checked: a
// value of the field's kind, so the check counts the secret as given.
func placeholder(f connector.Field) any {
	switch f.Type {
	case connector.Int, connector.Number:
		return 0
	case connector.Bool:
		return false
	case connector.Duration:
		return "1s"
	case connector.Enum:
		if len(f.Enum) > 0 {
			return f.Enum[0]
		}
	case connector.List:
		return []any{}
	case connector.Object:
		return map[string]any{}
	}
	return "stored"
}

// sealSecrets seals every value for the connection.
func (r *Runner) sealSecrets(connectionID string, values map[string]any) (map[string][]byte, error) {
	if len(values) == 0 {
		return nil, nil
	}
	if r.cfg.Keyring == nil {
		return nil, errNoKeyring
	}
	out := make(map[string][]byte, len(values))
	for path, v := range values {
		plain, err := json.Marshal(v)
		if err != nil {
			return nil, fmt.Errorf("the secret setting '%s' cannot be stored", path)
		}
		env, err := r.cfg.Keyring.Seal(plain, secretAAD(connectionID, path))
		clear(plain)
		if err != nil {
			return nil, fmt.Errorf("the secret setting '%s' cannot be sealed: %w", path, err)
		}
		out[path] = env
	}
	return out, nil
}

// openSecrets returns a connection's settings with its secrets opened.
// Each secret is added to the redact filter before anything can use it.
func (r *Runner) openSecrets(c store.Connection) (map[string]any, error) {
	config := map[string]any{}
	if err := json.Unmarshal(c.Config, &config); err != nil && len(c.Config) > 0 {
		return nil, fmt.Errorf("the stored settings of the connection '%s' cannot be read", c.Name)
	}
	if len(c.Secrets) > 0 && r.cfg.Keyring == nil {
		return nil, fmt.Errorf("the connection '%s' has secrets, but %w", c.Name, errNoKeyring)
	}
	for path, env := range c.Secrets {
		plain, err := r.cfg.Keyring.Open(env, secretAAD(c.ID, path))
		if err != nil {
			return nil, fmt.Errorf("the secret setting '%s' of the connection '%s' cannot be opened: %w", path, c.Name, err)
		}
		var v any
		err = json.Unmarshal(plain, &v)
		clear(plain)
		if err != nil {
			return nil, fmt.Errorf("the secret setting '%s' of the connection '%s' cannot be read", path, c.Name)
		}
		r.redactSecret(config, path, v)
		setPath(config, path, v)
	}
	return config, nil
}

// redactSecret registers a secret value with the redact filter, and with
// the user name beside it, so a basic-auth header made of both is caught.
func (r *Runner) redactSecret(config map[string]any, path string, v any) {
	text, ok := v.(string)
	if !ok {
		b, _ := json.Marshal(v)
		text = string(b)
	}
	r.cfg.Redact.Add(text)
	parent := ""
	if i := strings.LastIndex(path, "."); i >= 0 {
		parent = path[:i+1]
	}
	for _, name := range []string{"user", "username", "login"} {
		if user, ok := lookupPath(config, parent+name); ok {
			if u, ok := user.(string); ok && u != "" {
				r.cfg.Redact.AddPair(u, text)
			}
		}
	}
}

// RotateReport says what RotateSecrets did.
type RotateReport struct {
	KeyID    string // the current key: every secret it could open is now sealed with it
	Total    int    // envelopes found
	Resealed int    // sealed again with the current key
	Current  int    // already sealed with it
	Changed  int    // changed by someone else while rotating: run the rotation again
	Failed   []RotateFailure
}

// RotateFailure is a secret that could not be opened.
type RotateFailure struct {
	Workspace, Connection, Field string
	Reason                       string // in plain words, never the secret
}

// RotateSecrets seals every stored secret again with the keyring's
// current key. Secrets sealed with an older key of the keyring open and
// are re-sealed; secrets that do not open are reported and left as they
// are. Once nothing is left under an old key, that key can be dropped.
func RotateSecrets(ctx context.Context, st store.ConnectionStore, kr *secret.Keyring) (RotateReport, error) {
	sealed, err := st.ListSealed(ctx)
	if err != nil {
		return RotateReport{}, err
	}
	rep := RotateReport{KeyID: kr.CurrentKeyID(), Total: len(sealed)}
	var changes []store.Reseal
	for _, s := range sealed {
		out, changed, err := kr.Rotate(s.Envelope, secretAAD(s.ConnectionID, s.Field))
		switch {
		case err != nil:
			rep.Failed = append(rep.Failed, RotateFailure{Workspace: s.Workspace, Connection: s.Name, Field: s.Field, Reason: err.Error()})
		case changed:
			changes = append(changes, store.Reseal{ConnectionID: s.ConnectionID, Field: s.Field, Old: s.Envelope, New: out})
		default:
			rep.Current++
		}
	}
	if len(changes) == 0 {
		return rep, nil
	}
	n, err := st.Reseal(ctx, changes)
	if err != nil {
		return rep, err
	}
	rep.Resealed, rep.Changed = n, len(changes)-n
	return rep, nil
}
