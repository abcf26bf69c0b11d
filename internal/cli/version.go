package cli

import (
	"fmt"
	"runtime"

	"github.com/bistro-dev/bistro/internal/version"
	"github.com/spf13/cobra"
)

func newVersion(s env) *cobra.Command {
	return &cobra.Command{
		Use:     "version",
		Short:   "Print the version of bistro",
		Example: "  bistro version",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fmt.Fprintf(s.out, "bistro %s (%s, %s/%s)\n", version.String(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
			return nil
		},
	}
}
