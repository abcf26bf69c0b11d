package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/spf13/cobra"

	"github.com/bistro-dev/bistro/internal/connectors"
	"github.com/bistro-dev/bistro/internal/flow"
	"github.com/bistro-dev/bistro/internal/policy"
)

// checkFlags are the settings of 'bistro flow check'.
type checkFlags struct {
	policy, connections, workspace, format string
	labels, inputLabels, allowEnv          []string
}

func newFlowCheck(s env) *cobra.Command {
	var f checkFlags
	cmd := &cobra.Command{
		Use:   "check FILE...",
		Short: "Show where each flow sends which data, and every rule it breaks",
		Long: `Check flow files against a data policy. For every step that sends data out
of the flow (a write, an HTTP call, a message, the reply to a webhook, a
called flow) it prints the classes of data that can reach it, where each
comes from and the path of steps it takes; then every rule the flow breaks,
in plain words, at its line and column.

Connections are labelled with the classes of data they hold, in the
--connections file (labels: [personal]) or with --label NAME=LABEL. The
policy is --policy FILE, or the default one (see docs/guardrails.md).
Exits with status 1 when a flow breaks a rule or is not valid.`,
		Example: `  bistro flow check flows/hr-digest.yaml --policy policy.yaml --connections connections.yaml
  bistro flow check flows/*.yaml --label hr-db=personal --label ledger=finance-approved
  bistro flow check --workspace sales --format json flows/report.yaml`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, files []string) error {
			return checkFiles(s, f, files)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.policy, "policy", "", "the policy file (YAML or JSON); default: Bistro's default policy")
	fl.StringVar(&f.connections, "connections", "", "YAML file of connections, as for 'bistro run', each with its labels")
	fl.StringArrayVar(&f.labels, "label", nil, "label a connection: NAME=LABEL, e.g. hr-db=personal or hr-db=personal:email (repeatable)")
	fl.StringArrayVar(&f.inputLabels, "input-label", nil, "label the trigger's input, e.g. personal or personal:email (repeatable)")
	fl.StringVar(&f.workspace, "workspace", "", "the workspace the flows belong to, for rules limited to some")
	fl.StringVar(&f.format, "format", "text", "output format: text or json")
	fl.StringArrayVar(&f.allowEnv, "allow-env", nil, "environment variable flows may read as env.NAME (repeatable; also "+envAllowEnv+")")
	return cmd
}

func checkFiles(s env, f checkFlags, files []string) error {
	if f.format != "text" && f.format != "json" {
		return fmt.Errorf("--format must be text or json, not %q", f.format)
	}
	set, err := readPolicy(f.policy)
	if err != nil {
		fmt.Fprintln(s.err, err)
		return errFailed
	}
	conns, local, err := checkConnections(f)
	if err != nil {
		return err
	}
	l := loader{allowedEnv: append(s.list(envAllowEnv), f.allowEnv...), connections: local}
	penv := policy.Env{Workspace: f.workspace, Connections: conns, Input: f.inputLabels, Connectors: connectors.Lookup,
		Flows: func(from *flow.Document, name string) (*flow.Document, error) {
			return l.Load(context.Background(), from, name)
		}}
	var reports []policy.Report
	failed, violations := 0, 0
	for _, file := range files {
		doc, diags, err := l.read(file)
		switch {
		case err != nil:
			fmt.Fprintln(s.err, err)
			failed++
			continue
		case diags.HasErrors():
			fmt.Fprint(s.err, diags.Format(false), "\n\n")
			failed++
			continue
		}
		rep := set.Check(doc, penv)
		reports = append(reports, rep)
		violations += len(rep.Violations)
		if len(rep.Violations) > 0 {
			failed++
		}
		if f.format == "text" {
			printCheckReport(s.out, set, rep)
		}
	}
	if f.format == "json" {
		if reports == nil {
			reports = []policy.Report{}
		}
		enc := json.NewEncoder(s.out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(reports); err != nil {
			return err
		}
	}
	fmt.Fprintln(s.err, checkSummary(len(files), failed, violations))
	if failed > 0 {
		return errFailed
	}
	return nil
}

// readPolicy reads the policy file, or gives the default policy.
func readPolicy(file string) (policy.Set, error) {
	if file == "" {
		return policy.Default(), nil
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return policy.Set{}, readError(file, err)
	}
	set, err := policy.Parse(data, file)
	if err != nil {
		return policy.Set{}, err
	}
	var bad []string
	for _, g := range set.Groups {
		for _, c := range g.Connectors {
			if _, ok := connectors.Lookup(c); !ok {
				bad = append(bad, fmt.Sprintf("%s: the group '%s' names the connector '%s', which does not exist; 'bistro connectors list' shows them", file, g.Name, c))
			}
		}
	}
	if len(bad) > 0 {
		return policy.Set{}, fmt.Errorf("%s", strings.Join(bad, "\n"))
	}
	return set, nil
}

// checkConnection is one entry of the --connections file as the check
// reads it: the file 'bistro run' reads, with the connections' labels.
type checkConnection struct {
	Connector string         `yaml:"connector"`
	Config    map[string]any `yaml:"config"`
	Labels    []string       `yaml:"labels"`
}

// checkConnections reads the connections and --label flags into what the
// policy check knows of each connection, and what the validator checks
// steps' connections against.
func checkConnections(f checkFlags) (map[string]policy.Connection, *localConnections, error) {
	file := map[string]checkConnection{}
	if f.connections != "" {
		data, err := os.ReadFile(f.connections)
		if err != nil {
			return nil, nil, readError(f.connections, err)
		}
		if err := yaml.UnmarshalWithOptions(data, &file, yaml.DisallowUnknownField()); err != nil {
			return nil, nil, fmt.Errorf("%s is not a connections file: %s\nwrite one entry per connection:\n  hr-db:\n    connector: postgres\n    config: {host: db.internal}\n    labels: [personal]",
				f.connections, yaml.FormatError(err, false, true))
		}
	}
	out := map[string]policy.Connection{}
	var local *localConnections
	if f.connections != "" {
		local = &localConnections{file: f.connections, conns: map[string]localConnection{}}
	}
	for _, name := range sortedKeys(file) {
		c := file[name]
		spec, ok := connectors.Lookup(c.Connector)
		if !ok {
			return nil, nil, fmt.Errorf("%s: the connection '%s' has no known connector ('%s'); 'bistro connectors list' shows them", f.connections, name, c.Connector)
		}
		out[name] = policy.Connection{Connector: c.Connector, Labels: c.Labels,
			Hosts: policy.ConnectionHosts(spec, c.Config), Title: policy.ConnectionTitle(spec, c.Config)}
		local.conns[name] = localConnection{Connector: c.Connector, Config: c.Config}
	}
	for _, l := range f.labels {
		name, label, ok := strings.Cut(l, "=")
		if !ok || strings.TrimSpace(name) == "" || strings.TrimSpace(label) == "" {
			return nil, nil, fmt.Errorf("--label %s: write NAME=LABEL, e.g. --label hr-db=personal", l)
		}
		c := out[name]
		c.Labels = append(c.Labels, strings.TrimSpace(label))
		out[name] = c
	}
	return out, local, nil
}

// printCheckReport writes what reaches each destination, then the rules
// broken, then what could not be decided.
func printCheckReport(w io.Writer, set policy.Set, rep policy.Report) {
	fmt.Fprintf(w, "%s: flow '%s'\n", rep.File, rep.Flow)
	if len(rep.Destinations) == 0 {
		fmt.Fprintln(w, "  sends no data out of the flow")
	}
	for _, d := range rep.Destinations {
		printCheckDestination(w, set, d)
	}
	for _, dc := range rep.Declassified {
		field := ""
		if dc.Field != "" {
			field = " (field " + dc.Field + ")"
		}
		fmt.Fprintf(w, "  declassified: step '%s' %s %s%s from %s (line %d)\n", dc.Step, checkVerbs[dc.By], set.ClassName(dc.Class), field, dc.Source, dc.Location.Line)
	}
	for _, sg := range rep.Suggestions {
		fmt.Fprintf(w, "  suggestion: field %s of the trigger's example looks like %s (%s, %d of %d); say so with --input-label %s:%s\n",
			sg.Field, set.ClassName(sg.Class), sg.Detector, sg.Matches, sg.Samples, sg.Class, sg.Field)
	}
	for _, v := range rep.Violations {
		fmt.Fprintf(w, "%s: %s\n", checkPlace(v.Location), v.Message)
		if len(v.Path) > 0 {
			fmt.Fprintf(w, "    path: %s\n", policy.PathString(v.Path))
		}
	}
	for _, wn := range rep.Warnings {
		fmt.Fprintf(w, "%s: warning: %s\n", checkPlace(wn.Location), wn.Message)
	}
	fmt.Fprintln(w)
}

func printCheckDestination(w io.Writer, set policy.Set, d policy.Destination) {
	step := "step '" + d.Step + "'"
	if d.Flow != "" {
		step += " of the flow '" + d.Flow + "'"
	}
	what := firstOf(d.Action, d.Kind)
	if d.RunTime && d.Kind == policy.KindHTTP {
		what += "; its host is checked when the flow runs"
	}
	fmt.Fprintf(w, "  %s → %s (%s)\n", step, d.Target, what)
	if len(d.Reaches) == 0 {
		fmt.Fprintln(w, "      no classified data")
	}
	for _, r := range d.Reaches {
		field := ""
		if r.Field != "" {
			field = " in field " + r.Field
		}
		from := r.Source
		if r.SourceField != "" && r.SourceField != r.Field {
			from = "field " + r.SourceField + " of " + from
		}
		fmt.Fprintf(w, "      %s%s, from %s: %s\n", set.ClassName(r.Class), field, from, policy.PathString(r.Path))
	}
}

var checkVerbs = map[string]string{"drop": "drops", "mask": "masks", "hash": "hashes"}

// checkPlace is file:line:column, as far as known.
func checkPlace(l policy.Location) string {
	if l.Line == 0 {
		return firstOf(l.File, "flow")
	}
	return fmt.Sprintf("%s:%d:%d", l.File, l.Line, l.Column)
}

func checkSummary(files, failed, violations int) string {
	flows := "1 flow checked"
	if files != 1 {
		flows = fmt.Sprintf("%d flows checked", files)
	}
	switch {
	case failed == 0:
		return flows + ": no violations"
	case violations == 1:
		return flows + ": 1 violation"
	case violations > 0:
		return fmt.Sprintf("%s: %d violations", flows, violations)
	}
	return flows + ": not all could be checked"
}
