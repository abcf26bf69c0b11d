package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/bistro-dev/bistro/connector"
	"github.com/bistro-dev/bistro/internal/connectors"
)

func newConnectorsCmd(s env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "connectors",
		Short: "List the connectors, show their settings and actions, and ask for a blocked one",
		Example: `  bistro connectors list
  bistro connectors show http
  bistro connectors show http --format json
  bistro connectors request chat --reason "post won deals to #sales"`,
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(newConnectorsList(s), newConnectorsShow(s), newConnectorsRequest(s))
	return cmd
}

func newConnectorsList(s env) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the connectors",
		Example: `  bistro connectors list
  bistro connectors list --format json`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			specs := connectors.All()
			if format == "json" {
				out := make([]connectorJSON, len(specs))
				for i, spec := range specs {
					out[i] = toJSON(spec)
				}
				return printJSON(s.out, out)
			}
			return listTable(s.out, specs)
		},
	}
	addFormat(cmd, &format)
	return cmd
}

func newConnectorsShow(s env) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "show NAME",
		Short: "Show a connector's settings and actions",
		Example: `  bistro connectors show http
  bistro connectors show http --format json`,
		Args: cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			spec, ok := connectors.Lookup(args[0])
			if !ok {
				return fmt.Errorf("there is no connector named '%s'; run 'bistro connectors list' to see them", args[0])
			}
			if format == "json" {
				return printJSON(s.out, toJSON(spec))
			}
			_, err := io.WriteString(s.out, spec.Markdown())
			return err
		},
	}
	addFormat(cmd, &format)
	return cmd
}

func addFormat(cmd *cobra.Command, format *string) {
	cmd.Flags().StringVar(format, "format", "text", "output format: text or json (JSON Schemas of the settings)")
	cmd.PreRunE = func(*cobra.Command, []string) error {
		if *format != "text" && *format != "json" {
			return fmt.Errorf("--format must be text or json, not '%s'", *format)
		}
		return nil
	}
}

func listTable(w io.Writer, specs []connector.Spec) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tCATEGORY\tACTIONS\tDESCRIPTION")
	for _, spec := range specs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", spec.Name, spec.Category, strings.Join(connectors.ActionIDs(spec), ", "), spec.Description)
	}
	return tw.Flush()
}

// connectorJSON is a connector as JSON: the spec's summary with the JSON
// Schemas of its connection settings and of each action's input.
type connectorJSON struct {
	Name         string         `json:"name"`
	Title        string         `json:"title"`
	Version      string         `json:"version"`
	Category     string         `json:"category"`
	Description  string         `json:"description"`
	BuiltIn      bool           `json:"built_in"`
	ConfigSchema map[string]any `json:"config_schema"`
	Actions      []actionJSON   `json:"actions"`
}

type actionJSON struct {
	ID          string         `json:"id"`
	Title       string         `json:"title"`
	SideEffects bool           `json:"side_effects"`
	Idempotent  bool           `json:"idempotent"`
	InputSchema map[string]any `json:"input_schema"`
}

func toJSON(spec connector.Spec) connectorJSON {
	out := connectorJSON{Name: spec.Name, Title: spec.Title, Version: spec.Version, Category: spec.Category,
		Description: spec.Description, BuiltIn: spec.BuiltIn, ConfigSchema: spec.ConfigSchema(), Actions: []actionJSON{}}
	for _, a := range spec.Actions {
		out.Actions = append(out.Actions, actionJSON{ID: spec.ID(a), Title: a.Title, SideEffects: a.SideEffects,
			Idempotent: a.Idempotent, InputSchema: a.InputSchema()})
	}
	return out
}

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
