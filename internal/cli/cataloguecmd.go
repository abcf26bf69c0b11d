package cli

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/bistro-dev/bistro/internal/client"
	"github.com/bistro-dev/bistro/internal/connectors"
)

func newCatalogueCmd(s env) *cobra.Command {
	r := &remote{}
	cmd := &cobra.Command{
		Use:   "catalogue",
		Short: "IT's connector catalogue: approve, block or ask review for connectors, and answer requests",
		Long: `Which connectors each workspace may use. A connector is approved (builders use
it freely), review (flows with it are reviewed before they go live) or blocked
(flows with it cannot be saved, turned on or run; builders can ask for it).
A workspace's status wins over the platform-wide one. Blocking a connector
pauses the flows that use it and tells their owners. Platform admins only.`,
		Example: `  bistro catalogue show
  bistro catalogue set chat blocked
  bistro catalogue set chat approved --workspace sales
  bistro catalogue requests
  bistro catalogue answer 0193a1b2-... --approve --answer "use the #sales webhook"`,
	}
	r.flags(cmd)
	show := remoteCmd(s, r, "show", "Show every connector's status, platform-wide and per workspace",
		"  bistro catalogue show", cobra.NoArgs,
		func(ctx context.Context, c *client.Client, _ []string) error {
			cat, err := c.Catalogue(ctx)
			if err != nil {
				return err
			}
			w := tabwriter.NewWriter(s.out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "CONNECTOR\tPLATFORM\tWORKSPACES")
			for _, spec := range connectors.All() {
				status, ok := cat.Connectors[spec.Name]
				if !ok {
					status = cat.Default + " (default)"
				}
				var except string
				for _, ws := range slices.Sorted(maps.Keys(cat.Workspaces)) {
					if st, ok := cat.Workspaces[ws][spec.Name]; ok {
						except += fmt.Sprintf("%s: %s  ", ws, st)
					}
				}
				fmt.Fprintf(w, "%s\t%s\t%s\n", spec.Name, status, except)
			}
			return w.Flush()
		})
	var workspace string
	set := remoteCmd(s, r, "set CONNECTOR approved|review|blocked|inherit", "Set a connector's status, platform-wide or in one workspace",
		"  bistro catalogue set chat blocked\n  bistro catalogue set chat approved --workspace sales\n  bistro catalogue set chat inherit --workspace sales",
		cobra.ExactArgs(2),
		func(ctx context.Context, c *client.Client, args []string) error {
			out, err := c.SetConnectorStatus(ctx, args[0], args[1], workspace)
			if err != nil {
				return err
			}
			where := "platform-wide"
			if workspace != "" {
				where = "in workspace '" + workspace + "'"
			}
			fmt.Fprintf(s.out, "The connector '%s' is now %s %s.\n", args[0], args[1], where)
			for _, p := range out.Paused {
				fmt.Fprintf(s.out, "Paused the flow '%s' in workspace '%s': %s. Its owner was told.\n", p.Flow, p.Workspace, p.Reason)
			}
			return nil
		})
	set.Flags().StringVar(&workspace, "workspace", "", "the workspace it applies to; platform-wide without it")
	requests := remoteCmd(s, r, "requests", "List requests for connectors, newest first",
		"  bistro catalogue requests", cobra.NoArgs,
		func(ctx context.Context, c *client.Client, _ []string) error {
			rs, err := c.ListConnectorRequests(ctx)
			if err != nil {
				return err
			}
			if len(rs) == 0 {
				fmt.Fprintln(s.err, "no requests for connectors")
				return nil
			}
			w := tabwriter.NewWriter(s.out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "ID\tWORKSPACE\tCONNECTOR\tSTATUS\tASKED\tREASON")
			for _, q := range rs {
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", q.ID, q.Workspace, q.Connector, q.Status, q.CreatedAt.Format("2006-01-02 15:04"), q.Reason)
			}
			return w.Flush()
		})
	var approve, decline bool
	var answer string
	answerCmd := remoteCmd(s, r, "answer ID (--approve | --decline)", "Approve or decline a request; the person who asked is told",
		"  bistro catalogue answer 0193a1b2-... --approve\n  bistro catalogue answer 0193a1b2-... --decline --answer \"use email instead\"",
		cobra.ExactArgs(1),
		func(ctx context.Context, c *client.Client, args []string) error {
			if approve == decline {
				return errors.New("say --approve or --decline")
			}
			q, err := c.AnswerConnectorRequest(ctx, args[0], approve, answer)
			if err != nil {
				return err
			}
			fmt.Fprintf(s.out, "The request for '%s' in workspace '%s' is %s.\n", q.Connector, q.Workspace, q.Status)
			return nil
		})
	answerCmd.Flags().BoolVar(&approve, "approve", false, "allow the connector in the request's workspace")
	answerCmd.Flags().BoolVar(&decline, "decline", false, "decline the request")
	answerCmd.Flags().StringVar(&answer, "answer", "", "a word for the person who asked")
	cmd.AddCommand(show, set, requests, answerCmd)
	return cmd
}

// newConnectorsRequest asks IT for a blocked connector.
func newConnectorsRequest(s env) *cobra.Command {
	r := &remote{}
	var reason string
	cmd := remoteCmd(s, r, "request CONNECTOR --reason TEXT", "Ask IT for a connector blocked in your workspace",
		"  bistro connectors request chat --reason \"post won deals to #sales\"", cobra.ExactArgs(1),
		func(ctx context.Context, c *client.Client, args []string) error {
			q, err := c.RequestConnector(ctx, args[0], reason)
			if err != nil {
				return err
			}
			fmt.Fprintf(s.out, "Asked IT for the connector '%s' in workspace '%s'. You will see the answer in your notifications.\n", q.Connector, q.Workspace)
			return nil
		})
	r.flags(cmd)
	cmd.Flags().StringVar(&reason, "reason", "", "what you need it for, so IT can decide (required)")
	_ = cmd.MarkFlagRequired("reason")
	return cmd
}

func newReviewsCmd(s env) *cobra.Command {
	r := &remote{}
	cmd := &cobra.Command{
		Use:   "reviews",
		Short: "Changes to flows waiting for IT's review: list, approve, ask for changes",
		Long: `A builder's change whose risk reaches IT's threshold, or that uses a
connector IT reviews, waits here instead of going live. Approving publishes it
as the flow's next version; asking for changes sends it back with a comment.`,
		Example: `  bistro reviews list
  bistro reviews approve 0193a1b2-... --comment "fine for the pilot"
  bistro reviews request-changes 0193a1b2-... --comment "use the CRM connection"`,
	}
	r.flags(cmd)
	var all bool
	list := remoteCmd(s, r, "list", "List reviews, newest first (only the waiting ones unless --all)",
		"  bistro reviews list\n  bistro reviews list --all", cobra.NoArgs,
		func(ctx context.Context, c *client.Client, _ []string) error {
			status := "submitted"
			if all {
				status = ""
			}
			rs, err := c.ListReviews(ctx, status)
			if err != nil {
				return err
			}
			if len(rs) == 0 {
				fmt.Fprintln(s.err, "no reviews")
				return nil
			}
			w := tabwriter.NewWriter(s.out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "ID\tWORKSPACE\tFLOW\tSTATUS\tRISK\tSUBMITTED\tWHY")
			for _, v := range rs {
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%d\t%s\t%s\n", v.ID, v.Workspace, v.Flow, v.Status, v.Risk,
					v.CreatedAt.Format("2006-01-02 15:04"), strings.Join(v.Reasons, "; "))
			}
			return w.Flush()
		})
	list.Flags().BoolVar(&all, "all", false, "also the answered ones")
	var comment string
	answer := func(use, short, example string, approve bool) *cobra.Command {
		c := remoteCmd(s, r, use, short, example, cobra.ExactArgs(1),
			func(ctx context.Context, c *client.Client, args []string) error {
				v, err := c.AnswerReview(ctx, args[0], approve, comment)
				if err != nil {
					return err
				}
				if approve {
					fmt.Fprintf(s.out, "Published the flow '%s' in workspace '%s' as version %d.\n", v.Flow, v.Workspace, v.Version)
				} else {
					fmt.Fprintf(s.out, "Sent the change to '%s' back to its builder.\n", v.Flow)
				}
				return nil
			})
		c.Flags().StringVar(&comment, "comment", "", "a word for the builder")
		return c
	}
	cmd.AddCommand(list,
		answer("approve ID", "Publish a submitted change as the flow's next version",
			"  bistro reviews approve 0193a1b2-... --comment \"fine for the pilot\"", true),
		answer("request-changes ID --comment TEXT", "Send a submitted change back with a comment",
			"  bistro reviews request-changes 0193a1b2-... --comment \"use the CRM connection\"", false))
	return cmd
}
