package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/bistro-dev/bistro/connector"
	"github.com/bistro-dev/bistro/internal/api"
	"github.com/bistro-dev/bistro/internal/client"
	"github.com/bistro-dev/bistro/internal/connectors"
)

func newConnectionCmd(s env) *cobra.Command {
	r := &remote{}
	cmd := &cobra.Command{
		Use:   "connection",
		Short: "Manage the connections of a Bistro server",
		Long: `A connection is a named configuration of a connector (host, database,
credentials...) that flows name in 'connection:'. Secret settings are given
with --secret: their values are read from standard input or asked for, never
taken from the command line, stored encrypted, and never shown again.`,
		Example: `  bistro connection create crm-db --connector postgres --set host=db.internal --set database=crm --set user=bistro --secret password
  bistro connection list
  bistro connection test crm-db`,
	}
	r.flags(cmd)
	cmd.AddCommand(
		newConnectionSave(s, r, true),
		newConnectionSave(s, r, false),
		remoteCmd(s, r, "list", "List the connections", "  bistro connection list", cobra.NoArgs,
			func(ctx context.Context, c *client.Client, _ []string) error { return listConnections(ctx, s, c) }),
		remoteCmd(s, r, "show NAME", "Show a connection's settings (secrets only as set or not)", "  bistro connection show crm-db", cobra.ExactArgs(1),
			func(ctx context.Context, c *client.Client, a []string) error { return showConnection(ctx, s, c, a[0]) }),
		remoteCmd(s, r, "test NAME", "Check that a connection works", "  bistro connection test crm-db", cobra.ExactArgs(1),
			func(ctx context.Context, c *client.Client, a []string) error { return testConnection(ctx, s, c, a[0]) }),
		remoteCmd(s, r, "delete NAME", "Delete a connection no flow uses", "  bistro connection delete old-crm", cobra.ExactArgs(1),
			func(ctx context.Context, c *client.Client, a []string) error {
				return done(s, c.DeleteConnection(ctx, a[0]), "deleted connection '%s'", a[0])
			}),
	)
	return cmd
}

// saveFlags are the flags of create and update.
type saveFlags struct {
	connector string
	set       []string
	secrets   []string
	clear     []string
	labels    []string
}

// newConnectionSave is 'create' (create is true) or 'update'.
func newConnectionSave(s env, r *remote, create bool) *cobra.Command {
	var f saveFlags
	use, short := "update NAME", "Change a connection's settings; the ones not given stay as they are"
	example := `  bistro connection update crm-db --set host=db2.internal
  bistro connection update crm-db --secret password < new-password.txt
  bistro connection update crm-db --clear api_key`
	if create {
		use, short = "create NAME", "Create a connection"
		example = `  bistro connection create crm-db --connector postgres --set host=db.internal --set database=crm --set user=bistro --secret password
  printf '%s\n' "$PG_PASSWORD" | bistro connection create crm-db --connector postgres --set host=db.internal --secret password`
	}
	cmd := remoteCmd(s, r, use, short, example, cobra.ExactArgs(1), func(ctx context.Context, c *client.Client, a []string) error {
		return saveConnection(ctx, s, c, a[0], f, create)
	})
	cmd.Long = short + `. --set gives a setting (nested ones with dots: --set tls.mode=require);
--secret names a secret setting whose value is then asked for, or read from
standard input, one line per --secret in the order given.`
	fl := cmd.Flags()
	if create {
		fl.StringVar(&f.connector, "connector", "", "the connector, e.g. postgres ('bistro connectors list' shows them)")
		_ = cmd.MarkFlagRequired("connector")
	} else {
		fl.StringArrayVar(&f.clear, "clear", nil, "a secret setting to remove (repeatable)")
	}
	fl.StringArrayVar(&f.set, "set", nil, "a setting as NAME=VALUE (repeatable)")
	fl.StringArrayVar(&f.secrets, "secret", nil, "the name of a secret setting to read from standard input or ask for (repeatable)")
	fl.StringArrayVar(&f.labels, "label", nil, "a label, e.g. the class of data the connection reaches (repeatable; on update, replaces the labels)")
	return cmd
}

func saveConnection(ctx context.Context, s env, c *client.Client, name string, f saveFlags, create bool) error {
	in := api.ConnectionSettings{Connector: f.connector, Config: map[string]any{}, Labels: f.labels}
	if !create {
		old, err := c.GetConnection(ctx, name)
		if err != nil {
			return err
		}
		in.Connector, in.Config = old.Connector, old.Config
		if f.labels == nil {
			in.Labels = old.Labels
		}
	}
	spec, _ := connectors.Lookup(in.Connector)
	if err := applySets(spec, in.Config, f.set); err != nil {
		return err
	}
	secrets, err := readSecrets(s, name, f.secrets)
	if err != nil {
		return err
	}
	for path, v := range secrets {
		setConfigPath(in.Config, path, v)
	}
	for _, path := range f.clear {
		setConfigPath(in.Config, path, nil)
	}
	if create {
		_, err = c.CreateConnection(ctx, name, in)
		return done(s, err, "created connection '%s'", name)
	}
	_, err = c.PutConnection(ctx, name, in)
	return done(s, err, "updated connection '%s'", name)
}

// applySets reads NAME=VALUE settings into config, as the kind of value
// the connector's spec says (text when the setting is unknown here: the
// server then says what is wrong).
func applySets(spec connector.Spec, config map[string]any, sets []string) error {
	for _, kv := range sets {
		path, text, ok := strings.Cut(kv, "=")
		if !ok || path == "" {
			return fmt.Errorf("--set %s: write it as NAME=VALUE, e.g. --set host=db.internal", kv)
		}
		field, known := specField(spec.Config, path)
		if known && field.Secret {
			return fmt.Errorf("--set %s: '%s' is a secret; give it with --secret %s, so that it is read from standard input or asked for instead of being seen on the command line", path, path, path)
		}
		v, err := settingValue(field, known, text)
		if err != nil {
			return fmt.Errorf("--set %s: %v", path, err)
		}
		setConfigPath(config, path, v)
	}
	return nil
}

// specField finds the setting at a dotted path.
func specField(fields []connector.Field, path string) (connector.Field, bool) {
	head, rest, nested := strings.Cut(path, ".")
	for _, f := range fields {
		if f.Name != head {
			continue
		}
		if !nested {
			return f, true
		}
		return specField(f.Fields, rest)
	}
	return connector.Field{}, false
}

// settingValue reads a setting's text as the kind of value it holds.
func settingValue(f connector.Field, known bool, text string) (any, error) {
	if !known {
		return text, nil
	}
	switch f.Type {
	case connector.Int:
		n, err := strconv.ParseInt(text, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("'%s' must be a whole number", f.Name)
		}
		return n, nil
	case connector.Number:
		n, err := strconv.ParseFloat(text, 64)
		if err != nil {
			return nil, fmt.Errorf("'%s' must be a number", f.Name)
		}
		return n, nil
	case connector.Bool:
		b, err := strconv.ParseBool(text)
		if err != nil {
			return nil, fmt.Errorf("'%s' must be true or false", f.Name)
		}
		return b, nil
	case connector.List, connector.Object, connector.Any:
		var v any
		if err := json.Unmarshal([]byte(text), &v); err != nil {
			if f.Type == connector.Any {
				return text, nil
			}
			return nil, fmt.Errorf("'%s' must be written in JSON, e.g. [\"a\", \"b\"] or {\"name\": \"value\"}", f.Name)
		}
		return v, nil
	}
	return text, nil
}

// setConfigPath sets the value at a dotted path, making groups on the way.
func setConfigPath(config map[string]any, path string, v any) {
	head, rest, nested := strings.Cut(path, ".")
	if !nested {
		config[head] = v
		return
	}
	child, ok := config[head].(map[string]any)
	if !ok {
		child = map[string]any{}
		config[head] = child
	}
	setConfigPath(child, rest, v)
}

// readSecrets asks for each secret on a terminal (without echo), or else
// reads one line of standard input per secret, in order.
func readSecrets(s env, connection string, names []string) (map[string]string, error) {
	out := map[string]string{}
	if len(names) == 0 {
		return out, nil
	}
	prompts := make([]string, len(names))
	for i, name := range names {
		prompts[i] = fmt.Sprintf("%s of the connection '%s': ", name, connection)
	}
	values, err := readHidden(s, prompts, func(i int) string {
		return fmt.Sprintf("standard input has no value for the secret '%s': give one line per --secret, in the order of the flags", names[i])
	})
	if err != nil {
		return nil, err
	}
	for i, name := range names {
		out[name] = values[i]
	}
	return out, nil
}

// readHidden asks each prompt on a terminal, without echo, or else reads
// one line of standard input per prompt; missing explains a missing line.
func readHidden(s env, prompts []string, missing func(i int) string) ([]string, error) {
	out := make([]string, len(prompts))
	if f, ok := s.in.(*os.File); ok && isTerminal(f) {
		for i, prompt := range prompts {
			fmt.Fprint(s.err, prompt)
			b, err := term.ReadPassword(int(f.Fd()))
			fmt.Fprintln(s.err)
			if err != nil {
				return nil, fmt.Errorf("could not read the answer to %q: %v", strings.TrimSpace(prompt), err)
			}
			out[i] = string(b)
		}
		return out, nil
	}
	lines := bufio.NewReader(s.in)
	for i := range prompts {
		line, err := lines.ReadString('\n')
		line = strings.TrimRight(line, "\r\n")
		if line == "" || err != nil && err != io.EOF {
			return nil, errors.New(missing(i))
		}
		out[i] = line
	}
	return out, nil
}

func listConnections(ctx context.Context, s env, c *client.Client) error {
	conns, err := c.ListConnections(ctx)
	if err != nil {
		return err
	}
	if len(conns) == 0 {
		fmt.Fprintln(s.err, "no connections yet: add one with 'bistro connection create NAME --connector CONNECTOR'")
		return nil
	}
	w := tabwriter.NewWriter(s.out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "NAME\tCONNECTOR\tLABELS\tUPDATED")
	for _, conn := range conns {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", conn.Name, conn.Connector, strings.Join(conn.Labels, ","), conn.UpdatedAt.Format(time.DateTime))
	}
	return w.Flush()
}

func showConnection(ctx context.Context, s env, c *client.Client, name string) error {
	conn, err := c.GetConnection(ctx, name)
	if err != nil {
		return err
	}
	fmt.Fprintf(s.out, "connection: %s\nconnector:  %s\n", conn.Name, conn.Connector)
	if len(conn.Labels) > 0 {
		fmt.Fprintf(s.out, "labels:     %s\n", strings.Join(conn.Labels, ", "))
	}
	fmt.Fprintln(s.out, "settings:")
	for _, line := range settingLines("", conn.Config) {
		fmt.Fprintln(s.out, "  "+line)
	}
	if len(conn.Secrets) > 0 {
		fmt.Fprintln(s.out, "secrets:")
		for _, path := range sortedKeys(conn.Secrets) {
			fmt.Fprintf(s.out, "  %s: %s\n", path, map[bool]string{true: "set", false: "not set"}[conn.Secrets[path].Set])
		}
	}
	fmt.Fprintf(s.out, "updated:    %s by %s\n", conn.UpdatedAt.Format(time.DateTime), conn.UpdatedBy)
	return nil
}

// settingLines writes settings as "path: value" lines, nested groups
// flattened with dots.
func settingLines(prefix string, config map[string]any) []string {
	var out []string
	for _, k := range sortedKeys(config) {
		switch v := config[k].(type) {
		case map[string]any:
			out = append(out, settingLines(prefix+k+".", v)...)
		case string:
			out = append(out, fmt.Sprintf("%s%s: %s", prefix, k, v))
		default:
			b, _ := json.Marshal(v)
			out = append(out, fmt.Sprintf("%s%s: %s", prefix, k, b))
		}
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func testConnection(ctx context.Context, s env, c *client.Client, name string) error {
	res, err := c.TestConnection(ctx, name)
	if err != nil {
		return err
	}
	if !res.OK {
		fmt.Fprintln(s.err, "error:", res.Message)
		return errFailed
	}
	fmt.Fprintln(s.out, res.Message)
	return nil
}
