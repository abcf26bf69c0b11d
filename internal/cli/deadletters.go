package cli

import (
	"context"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/bistro-dev/bistro/internal/client"
)

func newDeadLettersCmd(s env) *cobra.Command {
	r := &remote{}
	cmd := &cobra.Command{
		Use:   "dead-letters",
		Short: "See, replay and delete messages whose runs failed every attempt",
		Long: `A flow started by an event (a queue, a stream, a topic) gives each message a
few runs ('attempts' in the trigger). A message whose runs all failed is kept
on the dead-letter list with its last error, until you replay it (after
fixing the flow) or delete it.`,
		Example: `  bistro dead-letters list --flow orders
  bistro dead-letters replay 0193a1b2-...
  bistro dead-letters delete 0193a1b2-...`,
	}
	r.flags(cmd)
	var flowName string
	var limit int
	list := remoteCmd(s, r, "list", "List dead letters, newest first",
		"  bistro dead-letters list\n  bistro dead-letters list --flow orders", cobra.NoArgs,
		func(ctx context.Context, c *client.Client, _ []string) error {
			letters, err := c.ListDeadLetters(ctx, flowName, limit)
			if err != nil {
				return err
			}
			if len(letters) == 0 {
				fmt.Fprintln(s.err, "no dead letters")
				return nil
			}
			w := tabwriter.NewWriter(s.out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "ID\tFLOW\tSOURCE\tMESSAGE\tATTEMPTS\tCREATED\tERROR")
			for _, d := range letters {
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%d\t%s\t%s\n", d.ID, d.Flow, d.Source, d.MessageID, d.Attempts,
					d.CreatedAt.Format(time.DateTime), clipLine(d.Error, 80))
			}
			return w.Flush()
		})
	list.Flags().StringVar(&flowName, "flow", "", "only dead letters of this flow")
	list.Flags().IntVar(&limit, "limit", 50, "at most this many")
	cmd.AddCommand(list,
		remoteCmd(s, r, "replay ID", "Run a dead letter's message again with the flow as it is now",
			"  bistro dead-letters replay 0193a1b2-...", cobra.ExactArgs(1),
			func(ctx context.Context, c *client.Client, a []string) error {
				run, err := c.ReplayDeadLetter(ctx, a[0])
				if err != nil {
					return err
				}
				fmt.Fprintln(s.out, run.ID)
				fmt.Fprintf(s.err, "the message runs again as run %s; see it with 'bistro runs show %s'\n", run.ID, run.ID)
				return nil
			}),
		remoteCmd(s, r, "delete ID", "Delete a dead letter without running it",
			"  bistro dead-letters delete 0193a1b2-...", cobra.ExactArgs(1),
			func(ctx context.Context, c *client.Client, a []string) error {
				return done(s, c.DeleteDeadLetter(ctx, a[0]), "dead letter %s deleted", a[0])
			}))
	return cmd
}

// clipLine shortens text to one line of at most n characters.
func clipLine(text string, n int) string {
	r := []rune(text)
	for i, c := range r {
		if c == '\n' {
			r = append(r[:i], []rune(" …")...)
			break
		}
	}
	if len(r) > n {
		r = append(r[:n-1], '…')
	}
	return string(r)
}
