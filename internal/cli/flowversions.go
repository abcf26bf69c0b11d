package cli

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/bistro-dev/bistro/internal/api"
	"github.com/bistro-dev/bistro/internal/client"
	"github.com/spf13/cobra"
)

// newFlowShow prints a flow's latest document, or an older version's.
func newFlowShow(s env, r *remote) *cobra.Command {
	var version int
	cmd := remoteCmd(s, r, "show NAME", "Print a flow's document (the latest, or an older version) and webhook URL",
		"  bistro flow show lead-cleanup\n  bistro flow show lead-cleanup --version 2 > lead-cleanup.yaml", cobra.ExactArgs(1),
		func(ctx context.Context, c *client.Client, a []string) error {
			switch {
			case version < 0:
				return fmt.Errorf("--version %d is not a version: versions count from 1 (see 'bistro flow versions %s')", version, a[0])
			case version == 0:
				return showFlow(ctx, s, c, a[0])
			}
			return showVersion(ctx, s, c, a[0], version)
		})
	cmd.Flags().IntVar(&version, "version", 0, "print this version instead of the latest (see 'bistro flow versions NAME')")
	cmd.Long = "Print a flow's document as written. With --version, an older version's: apply it\n" +
		"again ('bistro flow apply FILE') to restore it as the newest version."
	return cmd
}

// newFlowVersions lists a flow's versions.
func newFlowVersions(s env, r *remote) *cobra.Command {
	return remoteCmd(s, r, "versions NAME", "List a flow's versions, newest first",
		"  bistro flow versions lead-cleanup\n  bistro flow show lead-cleanup --version 2", cobra.ExactArgs(1),
		func(ctx context.Context, c *client.Client, a []string) error { return listVersions(ctx, s, c, a[0]) })
}

func listVersions(ctx context.Context, s env, c *client.Client, name string) error {
	vs, err := c.ListFlowVersions(ctx, name)
	if err != nil {
		return err
	}
	var b strings.Builder
	w := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "VERSION\tSAVED\tBY\tTRIGGER\tCURRENT")
	for _, v := range vs {
		current := ""
		if v.Current {
			current = "yes"
		}
		fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\n", v.Version, v.CreatedAt.Format(time.DateTime), savedBy(v), v.Trigger, current)
	}
	if err := w.Flush(); err != nil {
		return err
	}
	// Only the current version has a mark: no padding after the others.
	for line := range strings.Lines(b.String()) {
		fmt.Fprintln(s.out, strings.TrimRight(line, " \n"))
	}
	return nil
}

// savedBy names who saved a version: the token's name when known, else its id.
func savedBy(v api.FlowVersion) string {
	return firstOf(v.CreatedByName, v.CreatedBy, "-")
}

func showVersion(ctx context.Context, s env, c *client.Client, name string, version int) error {
	v, err := c.GetFlowVersion(ctx, name, version)
	if err != nil {
		return err
	}
	note := "an older version"
	if v.Current {
		note = "the current version"
	}
	fmt.Fprintf(s.err, "flow '%s', version %d (%s), saved %s by %s\n", name, v.Version, note,
		v.CreatedAt.Format(time.DateTime), savedBy(v))
	fmt.Fprint(s.out, v.Document)
	if !strings.HasSuffix(v.Document, "\n") {
		fmt.Fprintln(s.out)
	}
	return nil
}
