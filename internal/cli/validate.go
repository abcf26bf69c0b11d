package cli

import (
	"encoding/json"
	"fmt"

	"github.com/bistro-dev/bistro/internal/flow"
	"github.com/spf13/cobra"
)

func newValidate(s env) *cobra.Command {
	var allowEnv []string
	var format, connections string
	cmd := &cobra.Command{
		Use:   "validate FILE...",
		Short: "Check flow files and report every problem",
		Long: `Check flow files and report every problem at once, each with its file,
line and column. Exits with status 1 when any file has an error.`,
		Example: `  bistro validate flows/*.yaml
  bistro validate --allow-env CRM_TOKEN flows/crm-sync.yaml
  bistro validate --format json flows/*.yaml`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, files []string) error {
			if format != "text" && format != "json" {
				return fmt.Errorf("--format must be text or json, not %q", format)
			}
			l := loader{allowedEnv: append(s.list(envAllowEnv), allowEnv...)}
			if connections != "" {
				conns, err := readConnections(connections)
				if err != nil {
					return err
				}
				l.connections = conns
			}
			return validateFiles(s, l, files, format)
		},
	}
	cmd.Flags().StringArrayVar(&allowEnv, "allow-env", nil, "environment variable flows may read as env.NAME (repeatable; also "+envAllowEnv+")")
	cmd.Flags().StringVar(&format, "format", "text", "output format: text or json")
	cmd.Flags().StringVar(&connections, "connections", "", "YAML file of connections: steps' connections are then checked against it")
	return cmd
}

func validateFiles(s env, l loader, files []string, format string) error {
	var all flow.Diagnostics
	bad := 0
	for _, file := range files {
		_, diags, err := l.read(file)
		if err != nil {
			all = append(all, flow.Diagnostic{File: file, Message: err.Error(), Severity: flow.SeverityError})
			bad++
			continue
		}
		if diags.HasErrors() {
			bad++
		}
		all = append(all, diags...)
	}
	if format == "json" {
		enc := json.NewEncoder(s.out)
		enc.SetIndent("", "  ")
		if all == nil {
			all = flow.Diagnostics{}
		}
		if err := enc.Encode(all); err != nil {
			return err
		}
	} else {
		if len(all) > 0 {
			fmt.Fprint(s.err, all.Format(false), "\n\n")
		}
		fmt.Fprintln(s.err, summary(len(files), bad))
	}
	if bad > 0 {
		return errFailed
	}
	return nil
}

func summary(files, bad int) string {
	switch {
	case bad == 0 && files == 1:
		return "1 flow checked: no problems"
	case bad == 0:
		return fmt.Sprintf("%d flows checked: no problems", files)
	case files == 1:
		return "1 flow checked: it has problems"
	default:
		return fmt.Sprintf("%d flows checked: %d with problems", files, bad)
	}
}
