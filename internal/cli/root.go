// Package cli is the bistro command line: one cobra command per file.
package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
)

// Exit codes.
const (
	exitOK      = 0
	exitFailed  = 1 // the flow is invalid or its run failed
	exitUsage   = 2 // the command was called wrongly
	envAllowEnv = "BISTRO_ALLOW_ENV"
	envAllowNet = "BISTRO_ALLOW_NETWORKS"
)

// failed is returned by commands that already printed why they failed.
var errFailed = errors.New("failed")

// Main runs the command line and returns the process exit code.
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return run(args, env{in: stdin, out: stdout, err: stderr, lookup: os.LookupEnv})
}

func run(args []string, s env) int {
	stderr := s.err
	root := newRoot(s)
	root.SetArgs(args)
	err := root.Execute()
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, errFailed):
		return exitFailed
	default:
		fmt.Fprintf(stderr, "error: %v\n", err)
		if !strings.Contains(err.Error(), "--help") {
			fmt.Fprintf(stderr, "Run '%s --help' for usage.\n", commandPath(root, args))
		}
		return exitUsage
	}
}

func commandPath(root *cobra.Command, args []string) string {
	cmd, _, err := root.Find(args)
	if err != nil || cmd == nil {
		return root.Name()
	}
	return cmd.CommandPath()
}

// env is what a command sees of its process: standard streams and the
// environment, injected so tests run in parallel.
type env struct {
	in       io.Reader
	out, err io.Writer
	lookup   func(string) (string, bool)
}

func newRoot(s env) *cobra.Command {
	root := &cobra.Command{
		Use:   "bistro",
		Short: "Build, check and run automation flows",
		Long: `Bistro connects systems and automates work with flows: a trigger and a list
of steps that records stream through. Flows are YAML or JSON documents.`,
		Example: `  bistro validate flows/*.yaml
  bistro run examples/lead-cleanup.yaml --input '{"email":" Ann@Example.COM "}'`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetIn(s.in)
	root.SetOut(s.out)
	root.SetErr(s.err)
	root.AddCommand(newValidate(s), newRun(s), newServe(s), newSchema(s), newVersion(s), newFlowCmd(s), newRunsCmd(s), newConnectorsCmd(s), newDeadLettersCmd(s),
		newConnectionCmd(s), newSecretsCmd(s), newAuditCmd(s), newAdminCmd(s), newLoginCmd(s), newLogoutCmd(s),
		newCatalogueCmd(s), newReviewsCmd(s))
	return root
}

// list splits a comma separated environment variable.
func (s env) list(name string) []string {
	v, _ := s.lookup(name)
	var out []string
	for _, part := range strings.Split(v, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}
